// DESIGN §10: alert rules, validated with zod so every error names its field. No rule string is ever evaluated.
import ms from 'ms'
import { z } from 'zod'
import { HEALTH_STATUSES, LOG_LEVELS } from '../../protocol/batch.js'
import { isValidDeviceId } from '../../protocol/ids.js'
import { sloBurnFields } from './rules/slo-burn/schema.js'

const AGGS = ['avg', 'min', 'max', 'sum', 'count', 'last', 'rate', 'p50', 'p90', 'p95', 'p99'] as const
export const OPS = ['>', '>=', '<', '<=', '==', '!='] as const
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
export type Op = (typeof OPS)[number]
export type Severity = (typeof SEVERITIES)[number]

/** `2m`, `500ms`, `1h`, or whole ms; 0 allowed (no wait). Parsed to ms. */
export const durationMs = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : ms(v as ms.StringValue)
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || !Number.isInteger(Math.round(n))) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 30s, 5m, 1h or a number of ms' })
    return z.NEVER
  }
  return Math.round(n)
})
const positiveDuration = durationMs.refine((n) => n > 0, 'must be greater than 0')

const id = z.string().refine(isValidDeviceId, 'must match [A-Za-z0-9._-]{1,64} and not be a reserved name')
const labelMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'label names match [A-Za-z_][A-Za-z0-9_]*'), z.string())

const common = {
  id,
  description: z.string().max(1000).optional(),
  /** Devices the rule applies to: an exact id or a glob with `*` and `?`. */
  device: z.string().regex(/^[A-Za-z0-9._*?-]{1,64}$/, 'an exact device id or a glob with * and ?').default('*'),
  for: durationMs.default(0),
  keepFiringFor: durationMs.optional(),
  severity: z.enum(SEVERITIES).default('medium'),
  labels: labelMap.default({}),
  annotations: z.record(z.string(), z.string().max(2000)).default({}),
  repeatInterval: durationMs.default(4 * 3_600_000),
  groupWait: durationMs.default(0),
  enabled: z.boolean().default(true),
}
const compared = {
  op: z.enum(OPS),
  threshold: z.number(),
  clearThreshold: z.number().optional(),
}
const groupBy = z.array(z.string().min(1)).min(1).default(['device'])

const threshold = z.object({
  ...common,
  ...compared,
  kind: z.literal('threshold'),
  metric: z.string().min(1),
  match: z.record(z.string(), z.string()).default({}),
  agg: z.enum(AGGS).default('avg'),
  window: positiveDuration.default(60_000),
  groupBy,
}).strict()
const absent = z.object({
  ...common,
  kind: z.literal('absent'),
  metric: z.string().min(1),
  match: z.record(z.string(), z.string()).default({}),
  window: positiveDuration,
  groupBy,
}).strict()
const offline = z.object({ ...common, kind: z.literal('offline') }).strict()
const health = z.object({
  ...common,
  kind: z.literal('health'),
  check: z.string().min(1),
  status: z.array(z.enum(HEALTH_STATUSES)).min(1).default(['unhealthy']),
}).strict()
const logRate = z.object({
  ...common,
  ...compared,
  op: z.enum(OPS).default('>='),
  kind: z.literal('log_rate'),
  /** Lowest level counted. */
  level: z.enum(LOG_LEVELS).default('error'),
  component: z.string().optional(),
  /** Case-insensitive substring of the message. */
  text: z.string().min(1).optional(),
  window: positiveDuration.default(60_000),
  groupBy,
}).strict()
const trace = z.object({
  ...common,
  ...compared,
  kind: z.literal('trace'),
  service: z.string().optional(),
  operation: z.string().min(1),
  stat: z.enum(['p95', 'error_rate']).default('p95'),
  window: positiveDuration.default(60_000),
  groupBy,
}).strict()

const sloBurn = z.object({ ...common, ...sloBurnFields }).strict()

export const ruleSchema = z
  .discriminatedUnion('kind', [threshold, absent, offline, health, logRate, trace, sloBurn])
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

export type Rule = z.output<typeof ruleSchema>
export type RuleInput = z.input<typeof ruleSchema>
export type RuleKind = Rule['kind']
export type ThresholdRule = z.output<typeof threshold>
export type AbsentRule = z.output<typeof absent>
export type OfflineRule = z.output<typeof offline>
export type HealthRule = z.output<typeof health>
export type LogRateRule = z.output<typeof logRate>
export type TraceRule = z.output<typeof trace>
export type SloBurnRule = z.output<typeof sloBurn>
/** A rule kept by the hub: the definition plus where it came from. */
export type StoredRule = Rule & { source: 'api' | 'file' | 'slo'; updatedAt: number }

/** Thrown for an invalid rule or silence; `field` is the dotted path of the first problem (DESIGN §7 errors). */
export class RuleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
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
