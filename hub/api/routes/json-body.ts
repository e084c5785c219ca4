import type { Context } from 'hono'
import { ApiError } from '../errors.js'

/** The request's JSON body, or a 400 naming the problem. */
export async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json()
  } catch {
    throw new ApiError(400, 'bad_json', 'the request body must be JSON (content-type: application/json)')
  }
}
