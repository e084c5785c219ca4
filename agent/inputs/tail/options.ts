import { z } from 'zod'
import { InputOptionsError, durationMs, parseInputOptions } from '../options.js'
import { compileGlob } from './glob.js'

/** One `logs:` entry (docs/inputs.md). */
const tailSchema = z.strictObject({
  path: z.string().min(1).refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path or glob'),
  component: z.string().min(1).max(128),
  parser: z.enum(['json', 'text']).default('text'),
  maxLineBytes: z.number().int().min(256).max(16 * 1024 * 1024).default(64 * 1024),
  startAt: z.enum(['end', 'beginning']).default('end'),
  /** How often files are checked when no change notification arrives. */
  pollInterval: durationMs.default(250),
})

export type TailOptions = z.output<typeof tailSchema>

/** Checks a `logs:` entry and fills defaults; throws InputOptionsError naming e.g. `logs[2].parser`. No I/O. */
export function parseTailOptions(raw: unknown, key: string): TailOptions {
  const options = parseInputOptions(tailSchema, raw, key)
  try {
    compileGlob(options.path)
  } catch (err) {
    throw new InputOptionsError(`${key}.path`, (err as Error).message)
  }
  return options
}
