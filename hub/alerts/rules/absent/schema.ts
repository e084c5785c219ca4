import { z } from 'zod'
import { common, groupBy, positiveDuration } from '../common.js'

export const absentSchema = z
  .object({
    ...common,
    kind: z.literal('absent'),
    metric: z.string().min(1),
    match: z.record(z.string(), z.string()).default({}),
    window: positiveDuration,
    groupBy,
  })
  .strict()

export type AbsentRule = z.output<typeof absentSchema>
