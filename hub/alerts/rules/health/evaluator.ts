import type { HealthRule } from './schema.js'
import type { Observation } from '../../types.js'
import { deviceMatcher, type BatchView } from '../batch-view.js'
import type { RuleEvaluator } from '../types.js'

/** `health`: a health check's latest result is in one of the rule's statuses. */
export function healthEvaluator(rule: HealthRule): RuleEvaluator {
  const onDevice = deviceMatcher(rule.device)
  return {
    reads: 'health',
    onBatch(view: BatchView): Observation[] {
      const results = view.batch.h
      if (!results || !onDevice(view.device)) return []
      // The latest result of the check in this batch decides.
      let latest: (typeof results)[number] | undefined
      for (const r of results) if (r.check === rule.check && (!latest || r.ts >= latest.ts)) latest = r
      if (!latest) return []
      const active = rule.status.includes(latest.status)
      const labels = { device: view.device, check: rule.check }
      return [{ key: view.device, labels, value: latest.status, active, cleared: !active, ts: latest.ts + view.shift }]
    },
  }
}
