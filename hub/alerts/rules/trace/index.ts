// The `trace` rule kind (DESIGN §10, docs/alerts.md): its schema beside its evaluator.
import type { RuleKindPlugin } from '../types.js'
import { traceEvaluator } from './evaluator.js'
import { traceSchema } from './schema.js'

export type { TraceRule } from './schema.js'

export const traceRuleKind: RuleKindPlugin<typeof traceSchema> = {
  name: 'trace',
  description: "p95 latency or error rate of an operation's spans over a window",
  options: traceSchema,
  create: (rule) => traceEvaluator(rule),
}
