// The `slo_burn` rule kind (docs/slo.md, "Burn-rate alerts"): its own fields; rule-schema.ts adds the common ones.
import ms from 'ms'
import { z } from 'zod'

const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : ms(v as ms.StringValue)
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration above 0 such as 5m, 1h or a number of ms' })
    return z.NEVER
  }
  return Math.round(n)
})

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
