import * as z from 'zod'
import { durationMs } from '../../../kit/durations.js'
import { compileGlob } from './glob.js'

/** One `logs:` entry (docs/inputs.md). */
export const tailSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path or glob')
    .superRefine((p, ctx) => {
      try {
        compileGlob(p)
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message })
      }
    }),
  component: z.string().min(1).max(128),
  parser: z.enum(['json', 'text']).default('text'),
  maxLineBytes: z.number().int().min(256).max(16 * 1024 * 1024).default(64 * 1024),
  startAt: z.enum(['end', 'beginning']).default('end'),
  /** How often files are checked when no change notification arrives. */
  pollInterval: durationMs.default(250),
})

export type TailOptions = z.output<typeof tailSchema>
