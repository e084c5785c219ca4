import { z } from 'zod'
import { LOG_LEVELS } from '../../../../protocol/batch.js'
import { common, compared, groupBy, OPS, positiveDuration } from '../common.js'

export const logRateSchema = z
  .object({
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
  })
  .strict()

export type LogRateRule = z.output<typeof logRateSchema>
