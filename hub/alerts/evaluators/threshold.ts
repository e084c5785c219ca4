import type { Labels } from '../../../protocol/batch.js'
import { judge } from '../condition.js'
import type { ThresholdRule } from '../rule-schema.js'
import type { Observation } from '../types.js'
import { deviceMatcher, labelsMatch, type BatchView, type RuleEvaluator } from './types.js'
import { aggregate, SampleWindow } from './windows.js'

const MAX_POINTS = 64

interface Group {
  labels: Labels
  series: Map<string, SampleWindow>
}

/** `threshold`: an aggregation of a metric's matching series over `window`, per group, compared as the rule says. */
export function thresholdEvaluator(rule: ThresholdRule): RuleEvaluator {
  const onDevice = deviceMatcher(rule.device)
  const groups = new Map<string, Group>()
  return {
    onBatch(view: BatchView): Observation[] {
      const m = view.batch.m
      if (!m || !onDevice(view.device)) return []
      const indexes = view.seriesNamed(rule.metric)
      if (indexes.length === 0) return []
      const touched = new Map<string, { group: Group; times: number[] }>()
      for (const i of indexes) {
        if (!labelsMatch(view.labelsOf(i), rule.match)) continue
        const g = view.groupOfSeries(i, rule.groupBy)
        let group = groups.get(g.key)
        if (!group) groups.set(g.key, (group = { labels: g.labels, series: new Map() }))
        const seriesKey = view.seriesKeyOf(i)
        let w = group.series.get(seriesKey)
        if (!w) group.series.set(seriesKey, (w = new SampleWindow()))
        let t = touched.get(g.key)
        if (!t) touched.set(g.key, (t = { group, times: [] }))
        for (const k of view.samplesOf(i)) {
          const ts = m.ts[k] + view.shift
          w.push(ts, m.values[k])
          t.times.push(ts)
        }
      }
      const out: Observation[] = []
      for (const [key, { group, times }] of touched) {
        // Evaluated at each sample time of the batch, so a crossing and its clearing inside one replayed batch are
        // both seen; bounded to the latest MAX_POINTS times.
        const points = times.length === 1 ? times : [...new Set(times)].sort((a, b) => a - b).slice(-MAX_POINTS)
        const windows = [...group.series.values()]
        for (const to of points) {
          const value = aggregate(windows, rule.agg, to - rule.window, to)
          if (value === undefined) continue
          const { active, cleared } = judge(value, rule)
          out.push({ key, labels: group.labels, value, ts: to, active, cleared })
        }
        let latest = -Infinity
        for (const w of windows) if (w.latest > latest) latest = w.latest
        for (const w of windows) w.prune(latest - rule.window)
      }
      return out
    },
  }
}
