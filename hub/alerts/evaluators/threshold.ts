import type { Labels } from '../../../protocol/batch.js'
import { judge } from '../condition.js'
import type { ThresholdRule } from '../rule-schema.js'
import type { Observation } from '../types.js'
import { deviceMatcher, groupOf, labelsMatch, type BatchView, type RuleEvaluator } from './types.js'
import { aggregate, SampleWindow } from './windows.js'

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
      const touched = new Map<string, Group>()
      const windowOf = new Map<number, SampleWindow>()
      for (const i of indexes) {
        const def = m.series[i]
        const labels = { ...def.labels, device: view.device }
        if (!labelsMatch(labels, rule.match)) continue
        const g = groupOf(labels, rule.groupBy)
        let group = groups.get(g.key)
        if (!group) groups.set(g.key, (group = { labels: g.labels, series: new Map() }))
        const seriesKey = `${view.device}\u0000${i}\u0000${JSON.stringify(def.labels)}`
        let w = group.series.get(seriesKey)
        if (!w) group.series.set(seriesKey, (w = new SampleWindow()))
        windowOf.set(i, w)
        touched.set(g.key, group)
      }
      if (windowOf.size === 0) return []
      for (let k = 0; k < m.index.length; k++) {
        const w = windowOf.get(m.index[k])
        if (w) w.push(m.ts[k] + view.shift, m.values[k])
      }
      const out: Observation[] = []
      for (const [key, group] of touched) {
        let to = -Infinity
        for (const w of group.series.values()) if (w.latest > to) to = w.latest
        const from = to - rule.window
        for (const w of group.series.values()) w.prune(from)
        const value = aggregate(group.series.values(), rule.agg, from, to)
        if (value === undefined) continue
        out.push({ key, labels: group.labels, value, ts: to, ...judge(value, rule) })
      }
      return out
    },
  }
}
