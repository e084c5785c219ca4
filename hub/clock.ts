import type { DecodedMetrics } from '../protocol/batch.js'

export interface ClockPolicy {
  /** Correct stored timestamps when the device's offset exceeds this, ms (default 2 s). */
  correctAboveMs: number
  /** Refuse samples further ahead of hub time than this, ms (default 10 min). */
  maxAheadMs: number
  /** Refuse samples older than this, ms (default 30 days). */
  maxBehindMs: number
}

export const DEFAULT_CLOCK_POLICY: ClockPolicy = { correctAboveMs: 2_000, maxAheadMs: 10 * 60_000, maxBehindMs: 30 * 24 * 3_600_000 }

const WINDOW = 16

/**
 * Per-device clock offset (hub time − device time), DESIGN §5. Each batch gives `received − at`, which is the
 * offset plus the network delay; delay is never negative, so the smallest of the recent readings is the estimate.
 */
export class ClockOffsets {
  private readonly readings = new Map<string, number[]>()

  observe(device: string, receivedAt: number, sentAt: number): number {
    let list = this.readings.get(device)
    if (!list) this.readings.set(device, (list = []))
    list.push(receivedAt - sentAt)
    if (list.length > WINDOW) list.shift()
    return Math.min(...list)
  }
}

/** The shift to add to a device's timestamps: its offset when beyond the threshold, else 0. */
export function correctionFor(offsetMs: number, policy: ClockPolicy): number {
  return Math.abs(offsetMs) > policy.correctAboveMs ? offsetMs : 0
}

export interface WindowResult {
  metrics: DecodedMetrics | undefined
  tooNew: number
  tooOld: number
}

/** Drops samples whose corrected time falls outside the accepted window; the rest keep their order. */
export function applyTimeWindow(metrics: DecodedMetrics | undefined, shift: number, now: number, policy: ClockPolicy): WindowResult {
  if (!metrics) return { metrics, tooNew: 0, tooOld: 0 }
  const latest = now + policy.maxAheadMs
  const earliest = now - policy.maxBehindMs
  let tooNew = 0
  let tooOld = 0
  const n = metrics.ts.length
  for (let k = 0; k < n; k++) {
    const t = metrics.ts[k] + shift
    if (t > latest) tooNew++
    else if (t < earliest) tooOld++
  }
  if (tooNew + tooOld === 0) return { metrics, tooNew, tooOld }
  const keep = n - tooNew - tooOld
  const out: DecodedMetrics = { series: metrics.series, index: new Uint32Array(keep), ts: new Float64Array(keep), values: new Float64Array(keep) }
  let j = 0
  for (let k = 0; k < n; k++) {
    const t = metrics.ts[k] + shift
    if (t > latest || t < earliest) continue
    out.index[j] = metrics.index[k]
    out.ts[j] = metrics.ts[k]
    out.values[j] = metrics.values[k]
    j++
  }
  return { metrics: out, tooNew, tooOld }
}
