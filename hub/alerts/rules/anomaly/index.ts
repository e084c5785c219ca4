// The `anomaly` rule kind (DESIGN §10, docs/anomaly.md): its schema beside its evaluator.
import type { RuleKindPlugin } from '../types.js'
import { anomalyEvaluator } from './evaluator.js'
import { anomalySchema } from './schema.js'

export type { AnomalyRule } from './schema.js'

export const anomalyRuleKind: RuleKindPlugin<typeof anomalySchema> = {
  name: 'anomaly',
  description: "a series' anomaly score from its learned baseline (hub/anomaly/) at or above a sensitivity",
  options: anomalySchema,
  create: anomalyEvaluator,
}
