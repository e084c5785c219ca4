import { z } from 'zod'
import { AGGS, common, compared, groupBy, positiveDuration } from '../common.js'

export const thresholdSchema = z
  .object({
    ...common,
    ...compared,
    kind: z.literal('threshold'),
    metric: z.string().min(1),
    match: z.record(z.string(), z.string()).default({}),
    agg: z.enum(AGGS).default('avg'),
    window: positiveDuration.default(60_000),
    groupBy,
  })
  .strict()

export type ThresholdRule = z.output<typeof thresholdSchema>
