import { LOG_LEVELS, type Labels } from '../../../../protocol/batch.js'
import { judge } from '../../condition.js'
import type { LogRateRule } from './schema.js'
import type { Observation } from '../../types.js'
import { deviceMatcher, groupOf, type BatchView } from '../batch-view.js'
import type { RuleEvaluator } from '../types.js'

/** `log_rate`: the count of matching logs (level at least `level`, component, text) over `window`, per group. */
export function logRateEvaluator(rule: LogRateRule): RuleEvaluator {
  const onDevice = deviceMatcher(rule.device)
  const minLevel = LOG_LEVELS.indexOf(rule.level)
  const text = rule.text?.toLowerCase()
  const groups = new Map<string, { labels: Labels; ts: number[] }>()

  const observe = (key: string, at: number): Observation => {
    const g = groups.get(key)!
    const from = at - rule.window
    g.ts = g.ts.filter((t) => t > from)
    const value = g.ts.filter((t) => t <= at).length
    return { key, labels: g.labels, value, ts: at, ...judge(value, rule) }
  }
  return {
    reads: 'logs',
    onBatch(view: BatchView): Observation[] {
      const logs = view.batch.l
      if (!logs || !onDevice(view.device)) return []
      const touched = new Map<string, number>()
      for (const log of logs) {
        if (LOG_LEVELS.indexOf(log.level) < minLevel) continue
        if (rule.component !== undefined && log.component !== rule.component) continue
        if (text !== undefined && !log.message.toLowerCase().includes(text)) continue
        const g = groupOf({ device: view.device, component: log.component ?? '', level: log.level }, rule.groupBy)
        let group = groups.get(g.key)
        if (!group) groups.set(g.key, (group = { labels: g.labels, ts: [] }))
        const ts = log.ts + view.shift
        group.ts.push(ts)
        touched.set(g.key, Math.max(touched.get(g.key) ?? -Infinity, ts))
      }
      return [...touched].map(([key, at]) => observe(key, at))
    },
    // The count decays as time passes without new logs.
    onTick(now: number): Observation[] {
      const out = [...groups.keys()].map((key) => observe(key, now))
      for (const [key, g] of groups) if (g.ts.length === 0) groups.delete(key)
      return out
    },
  }
}
