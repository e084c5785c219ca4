import { executeQuery, type SampleSource } from '../metrics/query/execute.js'
import { upperBound } from '../metrics/encoding/bounds.js'
import { compare } from '../alerts/condition.js'
import { deviceMatcher } from '../alerts/rules/batch-view.js'
import type { PresenceHistory } from '../presence-history.js'
import type { Indicator } from './schema.js'

/** Good and total events of an indicator over a range (minutes for availability, slices for threshold). */
export interface EventCounts {
  good: number
  total: number
}

export interface IndicatorDeps {
  store: SampleSource
  presence: PresenceHistory
}

/** A counter's first sample in a range is compared with the one before it, looked for this far back. */
const COUNTER_LOOKBACK_MS = 10 * 60_000

/** Events of `indicator` in (from, to] (docs/slo.md, "Indicators"). */
export async function countEvents(indicator: Indicator, deps: IndicatorDeps, from: number, to: number): Promise<EventCounts> {
  switch (indicator.kind) {
    case 'ratio': {
      const total = await counterIncrease(deps.store, indicator.total, from, to)
      if (indicator.good) return { good: Math.min(total, await counterIncrease(deps.store, indicator.good, from, to)), total }
      const bad = await counterIncrease(deps.store, indicator.bad!, from, to)
      return { good: Math.max(0, total - bad), total }
    }
    case 'threshold': {
      // Whole slices only: the first slice starting at or after `from`.
      const step = indicator.slice
      const start = Math.ceil(from / step) * step
      if (start > to) return { good: 0, total: 0 }
      const result = await executeQuery(deps.store, {
        selector: { name: indicator.metric, labels: indicator.match },
        spec: { from: start, to, step, agg: indicator.agg, groupBy: [] },
      })
      let good = 0
      let total = 0
      for (const s of result.series) {
        for (const [, v] of s.points) {
          total++
          if (compare(v, indicator.op, indicator.value)) good++
        }
      }
      return { good, total }
    }
    case 'availability': {
      const onDevice = deviceMatcher(indicator.device)
      let online = 0
      let observed = 0
      for (const device of deps.presence.devices()) {
        if (!onDevice(device)) continue
        const u = await deps.presence.uptime(device, from, to)
        online += u.online
        observed += u.observed
      }
      return { good: online / 60_000, total: observed / 60_000 }
    }
  }
}

/**
 * Summed increase of the selected counters over (from, to]: each sample in the range against the one before it (a drop
 * is a reset: the increase is the new value), as rate and increase do in docs/query.md.
 */
async function counterIncrease(store: SampleSource, sel: { metric: string; match: Record<string, string> }, from: number, to: number): Promise<number> {
  const series = await store.series({ name: sel.metric, labels: sel.match })
  if (series.length === 0) return 0
  let sum = 0
  for (const { ts, values } of await store.read(series, from - COUNTER_LOOKBACK_MS, to)) {
    const end = upperBound(ts, to)
    for (let i = Math.max(upperBound(ts, from), 1); i < end; i++) sum += values[i] >= values[i - 1] ? values[i] - values[i - 1] : values[i]
  }
  return sum
}
