import { z } from 'zod'
import { common } from '../common.js'

export const offlineSchema = z.object({ ...common, kind: z.literal('offline') }).strict()

export type OfflineRule = z.output<typeof offlineSchema>
