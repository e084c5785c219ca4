import type { Labels } from '../../../protocol/batch.js'
import { judge } from '../condition.js'
import type { ThresholdRule } from '../rule-schema.js'
import type { Observation } from '../types.js'
import { deviceMatcher, groupOf, labelsMatch, type BatchView, type RuleEvaluator } from './types.js'
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
      const touched = new Map<string, { group: Group; times: Set<number> }>()
      const targetOf = new Map<number, { w: SampleWindow; times: Set<number> }>()
      for (const i of indexes) {
        const def = m.series[i]
        const labels = { ...def.labels, device: view.device }
        if (!labelsMatch(labels, rule.match)) continue
        const g = groupOf(labels, rule.groupBy)
        let group = groups.get(g.key)
        if (!group) groups.set(g.key, (group = { labels: g.labels, series: new Map() }))
        const seriesKey = `${view.device}\u0000${JSON.stringify(def.labels)}`
        let w = group.series.get(seriesKey)
        if (!w) group.series.set(seriesKey, (w = new SampleWindow()))
        let t = touched.get(g.key)
        if (!t) touched.set(g.key, (t = { group, times: new Set() }))
        targetOf.set(i, { w, times: t.times })
      }
      if (targetOf.size === 0) return []
      for (let k = 0; k < m.index.length; k++) {
        const target = targetOf.get(m.index[k])
        if (!target) continue
        const ts = m.ts[k] + view.shift
        target.w.push(ts, m.values[k])
        target.times.add(ts)
      }
      const out: Observation[] = []
      for (const [key, { group, times }] of touched) {
        // Evaluated at each sample time of the batch, so a crossing and its clearing inside one replayed batch are
        // both seen; bounded to the latest MAX_POINTS times.
        const points = [...times].sort((a, b) => a - b).slice(-MAX_POINTS)
        for (const to of points) {
          const value = aggregate(group.series.values(), rule.agg, to - rule.window, to)
          if (value !== undefined) out.push({ key, labels: group.labels, value, ts: to, ...judge(value, rule) })
        }
        let latest = -Infinity
        for (const w of group.series.values()) if (w.latest > latest) latest = w.latest
        for (const w of group.series.values()) w.prune(latest - rule.window)
      }
      return out
    },
  }
}
