import type { Observation } from '../../types.js'
import type { BatchView } from '../batch-view.js'
import type { EvalContext, RuleEvaluator } from '../types.js'
import { scoreThreshold as thresholdOf, type AnomalyRule } from './schema.js'

const NONE: Observation[] = []

/**
 * `anomaly`: each selected series (metric, device glob, label matchers) is its own group; a sample is active when its
 * anomaly score (hub/anomaly/, computed before the rules run) reaches the rule's threshold and the series has learned
 * for `minHistory`. The rule registers its series with the anomaly service so they are scored even when
 * `anomaly.detect` does not select them.
 */
export function anomalyEvaluator(rule: AnomalyRule, ctx: EvalContext): RuleEvaluator {
  const release = ctx.anomaly?.select({ metric: rule.metric, device: rule.device, match: rule.match })
  const { id, minHistory } = rule
  const scoreThreshold = thresholdOf(rule)
  return {
    reads: { metric: rule.metric },
    onBatch(view: BatchView): Observation[] {
      const scored = view.anomaly
      if (!scored) return NONE
      let out = NONE
      let calm = 0
      for (const i of view.seriesNamed(rule.metric)) {
        const s = scored.get(i)
        if (!s) continue
        const key = view.seriesKeyOf(i)
        let reporting = false
        for (let j = 0; j < s.ts.length; j++) {
          const active = s.score[j] >= scoreThreshold && s.age[j] >= minHistory
          if (!reporting && !active && !ctx.hasOpen(id, key)) {
            calm++
            continue
          }
          reporting = true
          if (out === NONE) out = []
          out.push({ key, labels: view.labelsOf(i), value: s.score[j], ts: s.ts[j], active, cleared: !active })
        }
      }
      if (calm > 0) ctx.calm(calm)
      return out
    },
    dispose: release,
  }
}
