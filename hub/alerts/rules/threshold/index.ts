// The `threshold` rule kind (DESIGN §10, docs/alerts.md): its schema beside its evaluator.
import type { RuleKindPlugin } from '../types.js'
import { thresholdEvaluator } from './evaluator.js'
import { thresholdSchema } from './schema.js'

export type { ThresholdRule } from './schema.js'

export const thresholdRuleKind: RuleKindPlugin<typeof thresholdSchema> = {
  name: 'threshold',
  description: 'an aggregation of a metric over a window compared with a threshold',
  options: thresholdSchema,
  create: thresholdEvaluator,
}
