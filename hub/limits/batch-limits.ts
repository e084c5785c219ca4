import { seriesKey, type DecodedBatch, type DecodedMetrics } from '../../protocol/batch.js'
import type { LimitReason, SecurityLimits } from './config.js'

type Counts = Partial<Record<LimitReason, number>>

/** The series' identity without its `device` label (the store adds it; a batch may not carry it). */
function keyOf(name: string, labels: Record<string, string>): string {
  if (labels.device === undefined) return seriesKey(name, labels)
  const { device: _device, ...rest } = labels
  return seriesKey(name, rest)
}

/**
 * Per-device limits on what a batch may add: series per device (cardinality), labels per series, label value
 * length, log line size. Over-limit series lose their samples, long log lines are cut; the rest of the batch is
 * stored and acked, so one noisy device neither blocks its own delivery nor harms others. The series per device
 * are counted in memory, seeded from the store at start (bounded by the limit times the devices).
 */
export class BatchLimits {
  private readonly seen = new Map<string, Set<string>>()

  constructor(private readonly limits: Pick<SecurityLimits, 'seriesPerDevice' | 'labelsPerSeries' | 'labelValueBytes' | 'logLineBytes'>) {}

  /** Counts series already stored (their `device` label names the owner). */
  seed(series: Iterable<{ name: string; labels: Record<string, string> }>): void {
    for (const s of series) {
      const device = s.labels.device
      if (device === undefined) continue
      let known = this.seen.get(device)
      if (!known) this.seen.set(device, (known = new Set()))
      known.add(keyOf(s.name, s.labels))
    }
  }

  /** Forgets a purged device's series count. */
  forget(device: string): void {
    this.seen.delete(device)
  }

  apply(device: string, batch: DecodedBatch): { batch: DecodedBatch; refused: Counts } {
    const refused: Counts = {}
    const add = (reason: LimitReason, n = 1) => (refused[reason] = (refused[reason] ?? 0) + n)
    let out = batch
    if (batch.m) {
      const m = this.metrics(device, batch.m, add)
      if (m !== batch.m) out = { ...out, m }
    }
    if (batch.l?.some((r) => Buffer.byteLength(r.message) > this.limits.logLineBytes)) {
      out = {
        ...out,
        l: batch.l.map((r) => {
          if (Buffer.byteLength(r.message) <= this.limits.logLineBytes) return r
          add('log_line_truncated')
          return { ...r, message: Buffer.from(r.message).subarray(0, this.limits.logLineBytes).toString('utf8') }
        }),
      }
    }
    return { batch: out, refused }
  }

  private metrics(device: string, m: DecodedMetrics, add: (r: LimitReason, n?: number) => void): DecodedMetrics {
    let known = this.seen.get(device)
    if (!known) this.seen.set(device, (known = new Set()))
    const allowed = m.series.map((s) => {
      const labels = Object.entries(s.labels)
      if (labels.length > this.limits.labelsPerSeries) return add('too_many_labels'), false
      if (labels.some(([, v]) => Buffer.byteLength(v) > this.limits.labelValueBytes)) return add('label_value_too_long'), false
      const key = keyOf(s.name, s.labels)
      if (known.has(key)) return true
      if (known.size >= this.limits.seriesPerDevice) return add('too_many_series'), false
      known.add(key)
      return true
    })
    if (allowed.every(Boolean)) return m
    const remap = new Int32Array(m.series.length).fill(-1)
    const series = m.series.filter((_, k) => allowed[k])
    let next = 0
    for (let k = 0; k < remap.length; k++) if (allowed[k]) remap[k] = next++
    let keep = 0
    for (let k = 0; k < m.index.length; k++) if (remap[m.index[k]] >= 0) keep++
    const out: DecodedMetrics = { series, index: new Uint32Array(keep), ts: new Float64Array(keep), values: new Float64Array(keep) }
    let j = 0
    for (let k = 0; k < m.index.length; k++) {
      const r = remap[m.index[k]]
      if (r < 0) continue
      out.index[j] = r
      out.ts[j] = m.ts[k]
      out.values[j++] = m.values[k]
    }
    return out
  }
}
