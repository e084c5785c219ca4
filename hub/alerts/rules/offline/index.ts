// The `offline` rule kind (DESIGN §10, docs/alerts.md): its schema beside its evaluator.
import type { RuleKindPlugin } from '../types.js'
import { offlineEvaluator } from './evaluator.js'
import { offlineSchema } from './schema.js'

export type { OfflineRule } from './schema.js'

export const offlineRuleKind: RuleKindPlugin<typeof offlineSchema> = {
  name: 'offline',
  description: 'a device is offline (its will, or no birth after the startup grace)',
  options: offlineSchema,
  create: offlineEvaluator,
}
