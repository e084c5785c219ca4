// The `absent` rule kind (DESIGN §10, docs/alerts.md): its schema beside its evaluator.
import type { RuleKindPlugin } from '../types.js'
import { absentEvaluator } from './evaluator.js'
import { absentSchema } from './schema.js'

export type { AbsentRule } from './schema.js'

export const absentRuleKind: RuleKindPlugin<typeof absentSchema> = {
  name: 'absent',
  description: 'no sample of a metric for a window',
  options: absentSchema,
  create: absentEvaluator,
}
