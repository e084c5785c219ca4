import type { Rule } from '../rule-schema.js'
import { absentEvaluator } from './absent/evaluator.js'
import { healthEvaluator } from './health/evaluator.js'
import { logRateEvaluator } from './log_rate/evaluator.js'
import { offlineEvaluator } from './offline/evaluator.js'
import { thresholdEvaluator } from './threshold/evaluator.js'
import { traceEvaluator } from './trace/evaluator.js'
import type { EvalContext, RuleEvaluator } from './types.js'

export { BatchView } from './batch-view.js'
export type { EvalContext, RuleEvaluator } from './types.js'

/** One evaluator per rule kind (DESIGN §10). */
export function createEvaluator(rule: Rule, ctx: EvalContext): RuleEvaluator {
  switch (rule.kind) {
    case 'threshold':
      return thresholdEvaluator(rule, ctx)
    case 'absent':
      return absentEvaluator(rule, ctx)
    case 'offline':
      return offlineEvaluator(rule, ctx)
    case 'health':
      return healthEvaluator(rule)
    case 'log_rate':
      return logRateEvaluator(rule)
    case 'trace':
      return traceEvaluator(rule)
  }
}
