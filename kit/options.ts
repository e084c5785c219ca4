// The one options error of every plugin kind, rule and setting: a key path and a reason.
import * as z from 'zod'

const zNever = z.NEVER as never

/** An option that is missing, unknown or of the wrong type. `key` is its path, e.g. `health[2].url`. */
export class OptionsError extends Error {
  override readonly name: string = 'OptionsError'
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(key ? `${key}: ${reason}` : reason)
  }
}

/** Joins a prefix and a nested key: `health[2]` + `url` → `health[2].url`, `health[2]` + `[0]` → `health[2][0]`. */
export function joinKey(prefix: string, key: string): string {
  if (!prefix) return key
  if (!key) return prefix
  return key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`
}

/** Re-keys an error thrown while parsing what sits under `prefix`; any other error becomes one naming `prefix`. */
export function withPrefix(prefix: string, err: unknown): OptionsError {
  if (err instanceof OptionsError) return new OptionsError(joinKey(prefix, err.key), err.reason)
  return new OptionsError(prefix, err instanceof Error ? err.message : String(err))
}

/** The first zod issue as the key it names (`a.b[2].c`) and a reason; an unknown key is named itself. */
export function firstIssue(error: z.ZodError): { key: string; reason: string } {
  const issue = error.issues[0]
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
  let reason = issue.message.replace(/^Invalid input: /, '')
  if (issue.code === 'unrecognized_keys') {
    // zod reports unknown keys on the parent object; name the first unknown key itself.
    path.push(issue.keys[0])
    reason = 'unknown option'
  }
  return { key: path.join('.').replace(/\.\[/g, '['), reason }
}

/** Parses `raw` with a zod schema; the first issue becomes an OptionsError keyed under `prefix`. No I/O. */
export function parseOptions<S extends z.ZodType>(schema: S, raw: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(raw)
  if (result.success) return result.data
  const { key, reason } = firstIssue(result.error)
  throw new OptionsError(joinKey(prefix, key), reason)
}

/** `a.b[2].c` → ['a', 'b', 2, 'c']: a key back into a zod issue path. */
export function keyPath(key: string): Array<string | number> {
  const path: Array<string | number> = []
  for (const m of key.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) path.push(m[2] !== undefined ? Number(m[2]) : m[1])
  return path
}

/**
 * A schema whose output `build` checks further and reshapes (a regular expression compiled, thresholds compared);
 * an OptionsError that `build` throws becomes an issue at its key, so a plugin's options stay one schema.
 */
export function checked<S extends z.ZodType, T>(schema: S, build: (options: z.output<S>) => T) {
  return schema.transform((options, ctx): T => {
    try {
      return build(options)
    } catch (err) {
      if (!(err instanceof OptionsError)) throw err
      ctx.addIssue({ code: 'custom', path: keyPath(err.key), message: err.reason })
      return zNever
    }
  })
}
