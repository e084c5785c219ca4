import { compare, isCleared } from '../../condition.js'
import type { ThresholdRule } from './schema.js'
import type { Observation } from '../../types.js'
import type { BatchView } from '../batch-view.js'
import type { EvalContext, RuleEvaluator } from '../types.js'

const NONE: Observation[] = []

/**
 * `threshold`: an aggregation of a metric's matching series over `window`, per group, compared as the rule says.
 * Evaluated at each sample time of the batch, so a crossing and its clearing inside one replayed batch are both seen.
 * The windows are shared with the rules selecting the same series (rules/shared-windows.ts).
 */
export function thresholdEvaluator(rule: ThresholdRule, ctx: EvalContext): RuleEvaluator {
  const { shared, release } = ctx.windows.acquire(rule)
  // Plain constants: read per sample, and a parsed rule object is not the fastest to read from.
  const { id, agg, window, op, threshold } = rule
  const band = { op, clearThreshold: rule.clearThreshold }
  return {
    reads: { metric: rule.metric },
    onBatch(view: BatchView): Observation[] {
      const touched = shared.add(view)
      if (touched.length === 0) return NONE
      let out = NONE
      let calm = 0
      for (const group of touched) {
        const values = group.aggregates(agg, window, shared.scratch)
        const { points } = group
        // Once a group reports, its later points follow even when calm: the alert they act on may be opening now.
        let reporting = false
        for (let j = 0; j < points.length; j++) {
          const value = values[j]
          if (value === undefined) continue
          const active = compare(value, op, threshold)
          if (!reporting && !active && !ctx.hasOpen(id, group.key)) {
            calm++
            continue
          }
          reporting = true
          if (out === NONE) out = []
          out.push({ key: group.key, labels: group.labels, value, ts: points[j], active, cleared: isCleared(value, active, band) })
        }
      }
      if (calm > 0) ctx.calm(calm)
      return out
    },
    dispose: release,
  }
}
