import { z } from 'zod'
import { SENSITIVITY } from '../../../anomaly/score.js'
import { common, durationMs } from '../common.js'

export const anomalySchema = z
  .object({
    ...common,
    kind: z.literal('anomaly'),
    metric: z.string().min(1),
    match: z.record(z.string(), z.string()).default({}),
    /** A score in (0, 1] at or above which a sample is anomalous; overrides sensitivity. */
    threshold: z.number().gt(0).max(1).optional(),
    sensitivity: z.enum(Object.keys(SENSITIVITY) as [keyof typeof SENSITIVITY, ...Array<keyof typeof SENSITIVITY>]).default('medium'),
    /** No alert until the series' baseline has learned this long (time since its first learned sample). */
    minHistory: durationMs.default(3_600_000),
  })
  .strict()

export type AnomalyRule = z.output<typeof anomalySchema>

/** The score at or above which a sample of the rule's series is anomalous. */
export function scoreThreshold(rule: AnomalyRule): number {
  return rule.threshold ?? SENSITIVITY[rule.sensitivity]
}
