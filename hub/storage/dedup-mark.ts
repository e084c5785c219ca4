import { decodeStored, encodeStored } from './stored-cbor.js'
import type { DedupMark } from './types.js'

export type { DedupMark } from './types.js'

export function emptyMark(): DedupMark {
  return { w: 0, ranges: [] }
}

export function isStored(mark: DedupMark, seq: number): boolean {
  if (seq <= mark.w) return true
  return mark.ranges.some(([start, end]) => seq >= start && seq <= end)
}

/**
 * The mark after storing `seq`. `lo` is the lowest seq the agent still holds: everything below it was acked
 * or dropped, so the watermark may pass gaps below it. The watermark then advances through contiguous seqs.
 */
export function markStored(mark: DedupMark, seq: number, lo?: number): DedupMark {
  const ranges = insertSeq(mark.ranges, seq)
  let w = mark.w
  if (lo !== undefined) w = Math.max(w, lo - 1)
  let first = 0
  while (first < ranges.length && ranges[first][0] <= w + 1) {
    w = Math.max(w, ranges[first][1])
    first++
  }
  return { w, ranges: ranges.slice(first) }
}

function insertSeq(ranges: ReadonlyArray<[number, number]>, seq: number): Array<[number, number]> {
  const out: Array<[number, number]> = []
  let placed = false
  for (const [start, end] of ranges) {
    if (!placed && seq < start - 1) {
      out.push([seq, seq])
      placed = true
    }
    if (!placed && seq >= start - 1 && seq <= end + 1) {
      out.push([Math.min(start, seq), Math.max(end, seq)])
      placed = true
      continue
    }
    const last = out[out.length - 1]
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end)
    else out.push([start, end])
  }
  if (!placed) out.push([seq, seq])
  return out
}

/** Ranges an ack carries at most (docs/protocol.md, Acks). */
export const ACK_RANGES_MAX = 64

/**
 * The stored ranges an ack for `seq` carries: at most ACK_RANGES_MAX, always including the one that holds `seq`.
 * The lowest first (they let the watermark pass soonest), but a seq stored in a range beyond them must still be
 * acked, or the agent resends it forever as a duplicate and its backlog lane stalls behind it.
 */
export function ackRanges(mark: DedupMark, seq: number): Array<[number, number]> {
  if (mark.ranges.length <= ACK_RANGES_MAX) return mark.ranges.slice()
  const own = mark.ranges.findIndex(([start, end]) => seq >= start && seq <= end)
  if (own < ACK_RANGES_MAX) return mark.ranges.slice(0, ACK_RANGES_MAX)
  return [...mark.ranges.slice(0, ACK_RANGES_MAX - 1), mark.ranges[own]]
}

export function encodeMark(mark: DedupMark): Uint8Array {
  return encodeStored({ w: mark.w, r: mark.ranges.flat() })
}

export function decodeMark(bytes: Uint8Array): DedupMark {
  const stored = decodeStored<{ w: number; r: number[] }>(bytes)
  const ranges: Array<[number, number]> = []
  for (let i = 0; i + 1 < stored.r.length; i += 2) ranges.push([stored.r[i], stored.r[i + 1]])
  return { w: stored.w, ranges }
}
