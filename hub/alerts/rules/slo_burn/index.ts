// The `slo_burn` rule kind (DESIGN §10, docs/slo.md): its schema beside its evaluator.
import type { RuleKindPlugin } from '../types.js'
import { sloBurnEvaluator } from './evaluator.js'
import { sloBurnSchema } from './schema.js'

export type { SloBurnRule } from './schema.js'

export const sloBurnRuleKind: RuleKindPlugin<typeof sloBurnSchema> = {
  name: 'slo_burn',
  description: "an SLO's error budget burning fast over a long and a short window at once (multi-window, multi-burn-rate)",
  options: sloBurnSchema,
  create: sloBurnEvaluator,
}
