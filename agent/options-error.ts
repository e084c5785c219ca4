import type { z } from 'zod'

/** A plugin or input option that is missing, unknown or of the wrong type. `key` is its path, e.g. `health[2].url`. */
export class OptionsError extends Error {
  override readonly name: string = 'OptionsError'
  constructor(
    readonly key: string,
    readonly reason: string,
  ) {
    super(key ? `${key}: ${reason}` : reason)
  }
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
