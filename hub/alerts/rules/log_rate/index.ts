// The `log_rate` rule kind (DESIGN §10, docs/alerts.md): its schema beside its evaluator.
import type { RuleKindPlugin } from '../types.js'
import { logRateEvaluator } from './evaluator.js'
import { logRateSchema } from './schema.js'

export type { LogRateRule } from './schema.js'

export const logRateRuleKind: RuleKindPlugin<typeof logRateSchema> = {
  name: 'log_rate',
  description: 'the count of matching logs over a window compared with a threshold',
  options: logRateSchema,
  create: (rule) => logRateEvaluator(rule),
}
