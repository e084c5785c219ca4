// DESIGN §1, §10: the one list of alert rule kinds. Add a kind: a folder rules/<kind>/ (schema, evaluator, index)
// and one line in RULE_KINDS.
import type { z } from 'zod'
import { Registry } from '../../../kit/plugin.js'
import { absentRuleKind } from './absent/index.js'
import { anomalyRuleKind } from './anomaly/index.js'
import { healthRuleKind } from './health/index.js'
import { logRateRuleKind } from './log_rate/index.js'
import { offlineRuleKind } from './offline/index.js'
import { thresholdRuleKind } from './threshold/index.js'
import { sloBurnRuleKind } from './slo_burn/index.js'
import { traceRuleKind } from './trace/index.js'
import type { EvalContext, RuleEvaluator, RuleKindPlugin } from './types.js'

export const RULE_KINDS = [thresholdRuleKind, absentRuleKind, offlineRuleKind, healthRuleKind, logRateRuleKind, traceRuleKind, sloBurnRuleKind, anomalyRuleKind] as const

/** A checked rule of any kind. */
export type Rule = z.output<(typeof RULE_KINDS)[number]['options']>

export { BatchView } from './batch-view.js'
export type { EvalContext, RuleEvaluator } from './types.js'

/** The rule kinds by name. */
export function ruleKinds(): Registry<RuleKindPlugin> {
  return new Registry<RuleKindPlugin>('rule kind', RULE_KINDS)
}

const kinds = ruleKinds()

/** One evaluator per rule, built by its kind (DESIGN §10). */
export function createEvaluator(rule: Rule, ctx: EvalContext): RuleEvaluator {
  return kinds.require(rule.kind, 'kind').create(rule, ctx)
}
