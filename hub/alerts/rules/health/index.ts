// The `health` rule kind (DESIGN §10, docs/alerts.md): its schema beside its evaluator.
import type { RuleKindPlugin } from '../types.js'
import { healthEvaluator } from './evaluator.js'
import { healthSchema } from './schema.js'

export type { HealthRule } from './schema.js'

export const healthRuleKind: RuleKindPlugin<typeof healthSchema> = {
  name: 'health',
  description: "a health check's latest result is in given statuses",
  options: healthSchema,
  create: (rule) => healthEvaluator(rule),
}
