import ms from 'ms'
import { z } from 'zod'

/** A `health:` entry key that is missing, unknown or of the wrong type. `key` is its path, e.g. `health[2].url`. */
export class HealthConfigError extends Error {
  override readonly name = 'HealthConfigError'
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(key ? `${key}: ${reason}` : reason)
  }
}

/** Parses `raw` with a zod schema, turning the first issue into a `HealthConfigError` naming its key. No I/O. */
export function parseWith<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
  if (issue.code === 'unrecognized_keys') {
    // zod reports unknown keys on the parent object; name the first unknown key itself.
    path.push(issue.keys[0])
    throw new HealthConfigError(joinPath(path), 'unknown option')
  }
  throw new HealthConfigError(joinPath(path), issue.message.replace(/^Invalid input: /, ''))
}

/** Prefixes a nested error's key: `health[2]` + `url` → `health[2].url`, `health[2]` + `[0]` → `health[2][0]`. */
export function withPrefix(prefix: string, err: unknown): HealthConfigError {
  if (err instanceof HealthConfigError) {
    const key = !err.key ? prefix : err.key.startsWith('[') ? `${prefix}${err.key}` : `${prefix}.${err.key}`
    return new HealthConfigError(key, err.reason)
  }
  return new HealthConfigError(prefix, err instanceof Error ? err.message : String(err))
}

function joinPath(path: string[]): string {
  return path.join('.').replace(/\.\[/g, '[')
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
