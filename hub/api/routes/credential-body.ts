import type { Context } from 'hono'
import { z } from 'zod'
import { ApiError } from '../errors.js'
import { CredentialError } from '../../security/credentials.js'

/** Parses a JSON body with a zod schema; a bad one is a 400 naming the field. */
export async function jsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  let raw: unknown
  try {
    raw = await c.req.json()
  } catch {
    throw new ApiError(400, 'bad_request', 'the body must be JSON')
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new ApiError(400, 'bad_request', `${issue.path.join('.') || 'body'}: ${issue.message}`)
  }
  return parsed.data
}

/** Credential errors as API errors: bad id 400, taken 409, unknown 404. */
export function asApiError(err: unknown): never {
  if (err instanceof CredentialError) {
    throw new ApiError(err.code === 'invalid_id' ? 400 : err.code === 'exists' ? 409 : 404, err.code, err.message)
  }
  throw err
}
