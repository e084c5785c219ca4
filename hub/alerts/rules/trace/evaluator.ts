import type { Labels } from '../../../../protocol/batch.js'
import { judge } from '../../condition.js'
import type { TraceRule } from './schema.js'
import type { Observation } from '../../types.js'
import { deviceMatcher, groupOf, type BatchView } from '../batch-view.js'
import type { RuleEvaluator } from '../types.js'
import { aggregate, SampleWindow } from '../windows.js'

/** `trace`: p95 latency (ms) or error rate (0–1) of an operation's spans over `window`, per group. */
export function traceEvaluator(rule: TraceRule): RuleEvaluator {
  const onDevice = deviceMatcher(rule.device)
  // Per group: span end times with duration (p95) or 1/0 for error (error_rate).
  const groups = new Map<string, { labels: Labels; window: SampleWindow }>()

  const observe = (key: string, at: number): Observation | undefined => {
    const g = groups.get(key)!
    g.window.prune(at - rule.window)
    const value = aggregate([g.window], rule.stat === 'p95' ? 'p95' : 'avg', at - rule.window, at)
    // No spans in the window: nothing is slow or failing.
    if (value === undefined) return { key, labels: g.labels, value: null, active: false, cleared: true, ts: at }
    return { key, labels: g.labels, value, ts: at, ...judge(value, rule) }
  }
  return {
    reads: 'spans',
    onBatch(view: BatchView): Observation[] {
      const spans = view.batch.s
      if (!spans || !onDevice(view.device)) return []
      const touched = new Map<string, number>()
      for (const span of spans) {
        if (span.name !== rule.operation || (rule.service !== undefined && span.service !== rule.service)) continue
        const g = groupOf({ device: view.device, service: span.service ?? '', operation: span.name }, rule.groupBy)
        let group = groups.get(g.key)
        if (!group) groups.set(g.key, (group = { labels: g.labels, window: new SampleWindow() }))
        const end = span.end + view.shift
        group.window.push(end, rule.stat === 'p95' ? span.end - span.start : span.status === 'error' ? 1 : 0)
        touched.set(g.key, Math.max(touched.get(g.key) ?? -Infinity, end))
      }
      return [...touched].flatMap(([key, at]) => observe(key, at) ?? [])
    },
    onTick(now: number): Observation[] {
      const out = [...groups.keys()].flatMap((key) => observe(key, now) ?? [])
      for (const [key, g] of groups) if (g.window.ts.length === 0) groups.delete(key)
      return out
    },
  }
}
