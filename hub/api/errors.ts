import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { StatusError } from '../errors.js'

/** One error path (DESIGN §7): every failure becomes `{error: {code, message}}` with a fitting status. */
export class ApiError extends StatusError {}

export function errorResponse(err: Error, c: Context, log: (level: string, msg: string, extra?: Record<string, unknown>) => void) {
  if (err instanceof StatusError) return c.json({ error: { code: err.code, message: err.message, ...err.details } }, err.status)
  if (err instanceof HTTPException) {
    return c.json({ error: { code: err.status === 401 ? 'unauthorized' : 'http_error', message: err.message || 'request refused' } }, err.status)
  }
  log('error', 'API request failed', { path: c.req.path, error: err.stack ?? err.message })
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500)
}
