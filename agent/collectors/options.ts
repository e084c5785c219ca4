import type { z } from 'zod'
import { OptionsError, firstIssue } from '../options-error.js'

/** A collector option that is missing, unknown or of the wrong type. `key` is the dotted path to it. */
export class CollectorOptionsError extends OptionsError {
  override readonly name = 'CollectorOptionsError'
}

/** Parses `raw` with a zod schema, turning the first issue into a `CollectorOptionsError` naming its key. No I/O. */
export function parseOptionsWith<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw)
  if (result.success) return result.data
  const { key, reason } = firstIssue(result.error)
  throw new CollectorOptionsError(key, reason)
}
