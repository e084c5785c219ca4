// Anomaly events: one episode of a series' score at or above the threshold. An episode opens on the first such
// sample and closes once `quiet` samples in a row are below it, so a flickering score is one event, not many. The
// same tracker feeds /v1/anomalies and the NAB bench (whose detections are the events' first samples).
import type { SeriesVerdict } from './model.js'

export interface EventPolicy {
  /** Score at or above which a sample is anomalous. */
  threshold: number
  /** Samples below the threshold that close an event. */
  quiet: number
}

/** An open or finished anomaly episode of one series. */
export interface OpenEvent {
  start: number
  /** Last anomalous sample. */
  end: number
  maxScore: number
  /** The sample at the highest score, with the baseline's expected value and band then. */
  value: number
  expected: number
  lo: number
  hi: number
  detector: string
  /** Calm samples since the last anomalous one. */
  calm: number
}

export type EventStep = 'opened' | 'updated' | 'closed' | undefined

/** Advances `holder.open` (undefined when none) by one scored sample, in place; returns what happened. */
export function stepEvent(holder: { open?: OpenEvent }, ts: number, value: number, v: SeriesVerdict, policy: EventPolicy): EventStep {
  const anomalous = v.score >= policy.threshold
  const open = holder.open
  if (!open) {
    if (!anomalous) return undefined
    holder.open = { start: ts, end: ts, maxScore: v.score, value, expected: v.expected, lo: v.lo, hi: v.hi, detector: v.by, calm: 0 }
    return 'opened'
  }
  if (anomalous) {
    open.end = ts
    open.calm = 0
    if (v.score > open.maxScore) {
      open.maxScore = v.score
      open.value = value
      open.expected = v.expected
      open.lo = v.lo
      open.hi = v.hi
      open.detector = v.by
    }
    return 'updated'
  }
  open.calm++
  if (open.calm < policy.quiet) return undefined
  holder.open = undefined
  return 'closed'
}
