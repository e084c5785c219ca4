// The cluster's hand-over of stored batches to the leader's alert engine (docs/cluster.md, "Ingest-time evaluation"):
// the hub that stored a batch keeps it in `alert-inbox` before acking it; the leader's engine evaluates it and, in the
// write of that step, deletes it and adds its seq to the evaluated ranges of (device, epoch). A batch is so evaluated
// once whatever hub leads when: a new leader evaluates what is left, and skips what a step already recorded.
import type { SeqRanges } from './store/types.js'

/** The inbox key of a batch: device, epoch and seq, so a resent batch lands on its first copy. */
export function handoverKey(device: string, ep: string, seq: number): string {
  return `${device}\0${ep}\0${String(seq).padStart(10, '0')}`
}

export function hasSeq(ranges: SeqRanges, seq: number): boolean {
  return ranges.some(([lo, hi]) => seq >= lo && seq <= hi)
}

/** `ranges` with `seq` added, neighbours merged (a new array). */
export function addSeq(ranges: SeqRanges, seq: number): SeqRanges {
  if (hasSeq(ranges, seq)) return ranges
  const out: SeqRanges = []
  let cur: [number, number] = [seq, seq]
  for (const r of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (r[1] + 1 < cur[0]) out.push(r)
    else if (cur[1] + 1 < r[0]) {
      out.push(cur)
      cur = r
    } else cur = [Math.min(r[0], cur[0]), Math.max(r[1], cur[1])]
  }
  out.push(cur)
  return out.sort((a, b) => a[0] - b[0])
}
