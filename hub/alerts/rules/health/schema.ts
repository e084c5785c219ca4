import { z } from 'zod'
import { HEALTH_STATUSES } from '../../../../protocol/batch.js'
import { common } from '../common.js'

export const healthSchema = z
  .object({
    ...common,
    kind: z.literal('health'),
    check: z.string().min(1),
    status: z.array(z.enum(HEALTH_STATUSES)).min(1).default(['unhealthy']),
  })
  .strict()

export type HealthRule = z.output<typeof healthSchema>
