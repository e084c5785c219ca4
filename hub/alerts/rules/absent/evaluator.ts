import type { Labels } from '../../../../protocol/batch.js'
import type { AbsentRule } from './schema.js'
import type { Observation } from '../../types.js'
import { deviceMatcher, groupOf, labelsMatch, type BatchView } from '../batch-view.js'
import type { EvalContext, RuleEvaluator } from '../types.js'

/**
 * `absent`: no sample of the metric (matching labels) for `window`, per group. Groups are learnt from samples and,
 * at start, from the stored series index; those start their clock at the hub's start (a grace of one window).
 */
export function absentEvaluator(rule: AbsentRule, ctx: EvalContext): RuleEvaluator {
  const onDevice = deviceMatcher(rule.device)
  const lastSeen = new Map<string, { ts: number; labels: Labels }>()
  return {
    reads: { metric: rule.metric },
    async init() {
      for (const s of await ctx.store.series({ name: rule.metric })) {
        const device = s.labels.device ?? ''
        if (!onDevice(device) || !labelsMatch(s.labels, rule.match)) continue
        const g = groupOf(s.labels, rule.groupBy)
        if (!lastSeen.has(g.key)) lastSeen.set(g.key, { ts: ctx.startedAt, labels: g.labels })
      }
    },
    onBatch(view: BatchView): Observation[] {
      const m = view.batch.m
      if (!m || !onDevice(view.device)) return []
      const indexes = view.seriesNamed(rule.metric)
      if (indexes.length === 0) return []
      const groupOfSeries = new Map<number, string>()
      for (const i of indexes) {
        const labels = view.labelsOf(i)
        if (!labelsMatch(labels, rule.match)) continue
        const g = groupOf(labels, rule.groupBy)
        if (!lastSeen.has(g.key)) lastSeen.set(g.key, { ts: -Infinity, labels: g.labels })
        groupOfSeries.set(i, g.key)
      }
      const touched = new Set<string>()
      for (const [i, key] of groupOfSeries) {
        const seen = lastSeen.get(key)!
        for (const k of view.samplesOf(i)) seen.ts = Math.max(seen.ts, m.ts[k] + view.shift)
        touched.add(key)
      }
      const now = ctx.clock()
      return [...touched].map((key) => observe(key, now))
    },
    onTick(now: number): Observation[] {
      return [...lastSeen.keys()].map((key) => observe(key, now))
    },
  }

  function observe(key: string, now: number): Observation {
    const seen = lastSeen.get(key)!
    const active = now - seen.ts > rule.window
    return { key, labels: seen.labels, value: Math.round((now - seen.ts) / 1000), active, cleared: !active, ts: now }
  }
}
