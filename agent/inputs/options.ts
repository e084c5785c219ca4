import ms from 'ms'
import { z } from 'zod'
import { CollectorOptionsError, parseOptionsWith } from '../collectors/options.js'
import { OptionsError } from '../options-error.js'

/** An input option that is missing, unknown or of the wrong type. `key` is the dotted path, e.g. `logs[0].parser`. */
export class InputOptionsError extends OptionsError {
  override readonly name = 'InputOptionsError'
}

/** Parses one config entry with a zod schema; a bad value throws InputOptionsError naming `key` and the field. No I/O. */
export function parseInputOptions<S extends z.ZodType>(schema: S, raw: unknown, key: string): z.output<S> {
  try {
    return parseOptionsWith(schema, raw)
  } catch (err) {
    if (err instanceof CollectorOptionsError) throw new InputOptionsError(err.key ? `${key}.${err.key}` : key, err.reason)
    throw err
  }
}

/** A duration as ms: a number, or a string such as `30s` or `250ms`. */
export const durationMs = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : (ms as (s: string) => number | undefined)(v)
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    ctx.addIssue({ code: 'custom', message: 'must be a positive duration such as 30s or 500ms' })
    return z.NEVER
  }
  return n
})
