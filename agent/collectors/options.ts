import type { z } from 'zod'

/** A collector option that is missing, unknown or of the wrong type. `key` is the dotted path to it. */
export class CollectorOptionsError extends Error {
  override readonly name = 'CollectorOptionsError'
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(key ? `${key}: ${reason}` : reason)
  }
}

/** Parses `raw` with a zod schema, turning the first issue into a `CollectorOptionsError` naming its key. No I/O. */
export function parseOptionsWith<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw)
  if (result.success) return result.data
  const issue = result.error.issues[0]
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
  if (issue.code === 'unrecognized_keys') {
    // zod reports unknown keys on the parent object; name the first unknown key itself.
    path.push(issue.keys[0])
    return fail(path, 'unknown option')
  }
  return fail(path, issue.message.replace(/^Invalid input: /, ''))
}

function fail(path: string[], reason: string): never {
  throw new CollectorOptionsError(path.join('.').replace(/\.\[/g, '['), reason)
}
