import type { DecodedMetrics } from '../protocol/batch.js'

export interface ClockPolicy {
  /** Correct stored timestamps when the device's offset exceeds this, ms (default 2 s). */
  correctAboveMs: number
  /** Refuse samples further ahead of hub time than this, ms (default 10 min). */
  maxAheadMs: number
  /** Refuse samples older than this, ms (default 30 days). */
  maxBehindMs: number
}

const WINDOW = 16
/** Readings further than this from every clock the device has shown are a step of its clock, not network delay. */
export const CLOCK_JUMP_MS = 10_000
/** Clocks (offsets) remembered per device: batches made before a step may still arrive after it. */
const MAX_CLOCKS = 4

/** A step of a device's clock, as the hub saw it: offsets before and after, and when (hub time). */
export interface ClockJump {
  at: number
  fromMs: number
  toMs: number
}

/** One clock a device has shown: its recent readings, the smallest of them being the offset. */
interface DeviceClock {
  readings: number[]
  offset: number
}

/**
 * Per-device clock offset (hub time − device time), DESIGN §5. Each batch gives `received − at`, which is the
 * offset plus the network delay; delay is never negative, so the smallest of the recent readings is the estimate.
 * A device whose clock steps (docs/delivery.md, clock jumps) shows readings far from the current estimate: each
 * distinct clock keeps its own readings, so batches made before the step (the agent reads their `at` on the clock
 * that stamped them) and after it are each corrected by their own offset, and the step is reported once.
 */
export class ClockOffsets {
  private readonly clocks = new Map<string, DeviceClock[]>()

  observe(device: string, receivedAt: number, sentAt: number, onJump?: (jump: ClockJump) => void): number {
    const reading = receivedAt - sentAt
    let list = this.clocks.get(device)
    if (!list) this.clocks.set(device, (list = []))
    let clock: DeviceClock | undefined
    for (const c of list) if (Math.abs(reading - c.offset) <= CLOCK_JUMP_MS && (!clock || Math.abs(reading - c.offset) < Math.abs(reading - clock.offset))) clock = c
    if (!clock) {
      const last = list[0]
      clock = { readings: [], offset: reading }
      if (last) onJump?.({ at: receivedAt, fromMs: last.offset, toMs: reading })
    }
    // Most recently used first; the least recently used clock is forgotten past MAX_CLOCKS.
    list.splice(0, list.length, clock, ...list.filter((c) => c !== clock).slice(0, MAX_CLOCKS - 1))
    clock.readings.push(reading)
    if (clock.readings.length > WINDOW) clock.readings.shift()
    clock.offset = Math.min(...clock.readings)
    return clock.offset
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
