// DESIGN §10: alert rules, validated with zod so every error names its field. No rule string is ever evaluated.
// Each kind's schema lives beside its evaluator in rules/<kind>/; this file joins them.
import { z } from 'zod'
import { RULE_KINDS, type Rule } from './rules/registry.js'
import { StatusError } from '../errors.js'

export { durationMs, OPS, SEVERITIES, type Op, type Severity } from './rules/common.js'
export type { Rule } from './rules/registry.js'
export type { AbsentRule } from './rules/absent/index.js'
export type { AnomalyRule } from './rules/anomaly/index.js'
export type { HealthRule } from './rules/health/index.js'
export type { LogRateRule } from './rules/log_rate/index.js'
export type { OfflineRule } from './rules/offline/index.js'
export type { ThresholdRule } from './rules/threshold/index.js'
export type { TraceRule } from './rules/trace/index.js'
export type { SloBurnRule } from './rules/slo_burn/index.js'

type SchemasOf<T extends readonly unknown[]> = { -readonly [K in keyof T]: T[K] extends { options: infer S } ? S : never }
type KindSchemas = SchemasOf<typeof RULE_KINDS>


export const ruleSchema = z
  .discriminatedUnion('kind', RULE_KINDS.map((k) => k.options) as unknown as KindSchemas)
  .superRefine((rule, ctx) => {
    if (!('clearThreshold' in rule) || rule.clearThreshold === undefined) return
    const { op, threshold: t, clearThreshold: c } = rule
    const ok = op === '>' || op === '>=' ? c <= t : op === '<' || op === '<=' ? c >= t : false
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        path: ['clearThreshold'],
        message: op === '==' || op === '!=' ? `not allowed with op "${op}"` : `must be on the clear side of threshold ${t} for op "${op}"`,
      })
    }
  })

export type RuleInput = z.input<typeof ruleSchema>
export type RuleKind = Rule['kind']
/** A rule kept by the hub: the definition plus where it came from. */
export type StoredRule = Rule & { source: 'api' | 'file' | 'slo'; updatedAt: number }

/** Thrown for an invalid rule or silence; `field` is the dotted path of the first problem (DESIGN §7 errors). */
export class RuleError extends StatusError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(400, 'invalid', message, { field })
  }
}

/** A bad rules file or notifier configuration: the hub does not start (the CLI prints it as a config error). */
export class AlertConfigError extends Error {
  override readonly name = 'AlertConfigError'
}

/** Formats the first zod issue as `field: message`. */
export function fieldError(error: z.ZodError, prefix = ''): RuleError {
  const issue = error.issues[0]
  // An unknown key (a typo such as `clearTreshold`) is named as the field.
  const unknown = issue.code === 'unrecognized_keys' ? [issue.keys[0]] : []
  const field = [prefix, ...issue.path.map(String), ...unknown].filter(Boolean).join('.') || '(body)'
  return new RuleError(field, `${field}: ${issue.message}`)
}

export function parseRule(input: unknown, prefix = ''): Rule {
  const parsed = ruleSchema.safeParse(input)
  if (!parsed.success) throw fieldError(parsed.error, prefix)
  return parsed.data
}

/** The window a rule looks back over, for staleness; 0 for kinds without one. */
export function windowOf(rule: Rule): number {
  return 'window' in rule ? rule.window : 0
}
