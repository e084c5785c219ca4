import { z } from 'zod'
import { common, compared, groupBy, positiveDuration } from '../common.js'

export const traceSchema = z
  .object({
    ...common,
    ...compared,
    kind: z.literal('trace'),
    service: z.string().optional(),
    operation: z.string().min(1),
    stat: z.enum(['p95', 'error_rate']).default('p95'),
    window: positiveDuration.default(60_000),
    groupBy,
  })
  .strict()

export type TraceRule = z.output<typeof traceSchema>
