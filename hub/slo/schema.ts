// SLOs (docs/slo.md), shaped after OpenSLO: an indicator, a window and an objective. Validated with zod so every
// error names its field.
import { z } from 'zod'
import { durationMs, fieldError, OPS, RuleError, SEVERITIES } from '../alerts/rule-schema.js'

const AGGS = ['avg', 'min', 'max', 'sum', 'count', 'last', 'p50', 'p90', 'p95', 'p99'] as const
const positive = durationMs.refine((n) => n > 0, 'must be greater than 0')
const selector = z
  .object({
    metric: z.string().min(1),
    /** Label equalities the series must carry. */
    match: z.record(z.string(), z.string()).default({}),
  })
  .strict()

const ratio = z
  .object({
    kind: z.literal('ratio'),
    /** Good events (e.g. requests answered 2xx); give `good` or `bad`. */
    good: selector.optional(),
    /** Bad events (e.g. requests answered 5xx); good = total − bad. */
    bad: selector.optional(),
    total: selector,
  })
  .strict()
  .superRefine((v, ctx) => {
    if ((v.good === undefined) === (v.bad === undefined)) ctx.addIssue({ code: 'custom', path: ['good'], message: 'give exactly one of good and bad' })
  })
const threshold = z
  .object({
    kind: z.literal('threshold'),
    metric: z.string().min(1),
    match: z.record(z.string(), z.string()).default({}),
    /** Aggregation of each time slice, as in /v1/metrics/query. */
    agg: z.enum(AGGS).default('avg'),
    slice: positive.default(60_000),
    op: z.enum(OPS),
    value: z.number(),
  })
  .strict()
const availability = z
  .object({
    kind: z.literal('availability'),
    /** Devices counted: an exact id or a glob with * and ?. */
    device: z.string().regex(/^[A-Za-z0-9._*?-]{1,64}$/, 'an exact device id or a glob with * and ?').default('*'),
  })
  .strict()

export const CALENDAR = ['day', 'week', 'month'] as const
const windowSchema = z.union([
  z.object({ rolling: positive }).strict(),
  z.object({ calendar: z.enum(CALENDAR) }).strict(),
])

export const sloSchema = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,50}$/, 'must match [A-Za-z0-9._-]{1,50}'),
    description: z.string().max(1000).optional(),
    /** Labels for reports (e.g. site) and copied onto the SLO's alerts. */
    labels: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'label names match [A-Za-z_][A-Za-z0-9_]*'), z.string()).default({}),
    indicator: z.discriminatedUnion('kind', [ratio, threshold, availability]),
    window: windowSchema.default({ rolling: 30 * 86_400_000 }),
    /** Share of good events promised, e.g. 0.999. */
    objective: z.number().gt(0, 'must be above 0').lt(1, 'must be below 1'),
    alerting: z
      .object({
        enabled: z.boolean().default(true),
        /** Burn-rate alerts stay quiet while the long window holds fewer events than this (low traffic). */
        minEvents: z.number().int().min(0).default(10),
        pageSeverity: z.enum(SEVERITIES).default('critical'),
        ticketSeverity: z.enum(SEVERITIES).default('medium'),
        /** How often the burn rates are recomputed for alerting. */
        evalInterval: positive.default(60_000),
      })
      .strict()
      .default({ enabled: true, minEvents: 10, pageSeverity: 'critical', ticketSeverity: 'medium', evalInterval: 60_000 }),
  })
  .strict()

export type Slo = z.output<typeof sloSchema>
export type Indicator = Slo['indicator']
export type StoredSlo = Slo & { source: 'api' | 'file'; updatedAt: number }

export function parseSlo(input: unknown, prefix = ''): Slo {
  const parsed = sloSchema.safeParse(input)
  if (!parsed.success) throw fieldError(parsed.error, prefix)
  return parsed.data
}

export { RuleError as SloError }
