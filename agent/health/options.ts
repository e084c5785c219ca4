import ms from 'ms'
import { z } from 'zod'
import { OptionsError, firstIssue } from '../options-error.js'

/** A `health:` entry key that is missing, unknown or of the wrong type. `key` is its path, e.g. `health[2].url`. */
export class HealthConfigError extends OptionsError {
  override readonly name = 'HealthConfigError'
}

/** Parses `raw` with a zod schema, turning the first issue into a `HealthConfigError` naming its key. No I/O. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw)
  if (result.success) return result.data
  const { key, reason } = firstIssue(result.error)
  throw new HealthConfigError(key, reason)
}

/** Prefixes a nested error's key: `health[2]` + `url` → `health[2].url`, `health[2]` + `[0]` → `health[2][0]`. */
export function withPrefix(prefix: string, err: unknown): HealthConfigError {
  if (err instanceof HealthConfigError) {
    const key = !err.key ? prefix : err.key.startsWith('[') ? `${prefix}${err.key}` : `${prefix}.${err.key}`
    return new HealthConfigError(key, err.reason)
  }
  return new HealthConfigError(prefix, err instanceof Error ? err.message : String(err))
}


/** `30s`, `5m`, `1500ms` or a number of ms, > 0. */
export const durationMs = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : ms(v as ms.StringValue)
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 500ms, 30s, 5m or a number of ms' })
    return z.NEVER
  }
  return Math.round(n)
})
