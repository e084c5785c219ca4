// The `slo_burn` rule kind (docs/slo.md, "Burn-rate alerts"): its schema beside its evaluator.
import { z } from 'zod'
import { common, positiveDuration as duration } from '../common.js'

/** One condition of the SRE workbook's multi-window, multi-burn-rate alert: both windows burn at least `burnRate`. */
export const burnWindow = z
  .object({ long: duration, short: duration, burnRate: z.number().positive() })
  .strict()
  .refine((w) => w.short < w.long, { message: 'short must be shorter than long', path: ['short'] })

export const sloBurnFields = {
  kind: z.literal('slo_burn'),
  /** The SLO whose error budget is watched (GET /v1/slos/{id}). */
  slo: z.string().regex(/^[A-Za-z0-9._-]{1,50}$/, 'an SLO id'),
  /** Any one condition firing fires the alert. */
  windows: z.array(burnWindow).min(1),
  /** No alert while the long window holds fewer events than this (low traffic makes ratios jumpy). */
  minEvents: z.number().int().min(0).default(0),
  /** How often the burn rates are recomputed. */
  evalInterval: duration.default(60_000),
}

/** The workbook's page conditions: 2 % of a 30-day budget in 1 h, 5 % in 6 h. */
export const PAGE_WINDOWS = [
  { long: 3_600_000, short: 300_000, burnRate: 14.4 },
  { long: 6 * 3_600_000, short: 1_800_000, burnRate: 6 },
]
/** The workbook's ticket condition: 10 % of the budget in 3 days. */
export const TICKET_WINDOWS = [{ long: 3 * 86_400_000, short: 6 * 3_600_000, burnRate: 1 }]

export const sloBurnSchema = z.object({ ...common, ...sloBurnFields }).strict()

export type SloBurnRule = z.output<typeof sloBurnSchema>
