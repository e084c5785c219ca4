import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import { QueryError } from '../metrics/query/errors.js'
import { RuleError } from '../alerts/rule-schema.js'
import { AlertOpError } from '../alerts/service.js'

/** One error path (DESIGN §7): every failure becomes `{error: {code, message}}` with a fitting status. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

export function errorResponse(err: Error, c: Context, log: (level: string, msg: string, extra?: Record<string, unknown>) => void) {
  if (err instanceof ApiError) return c.json({ error: { code: err.code, message: err.message } }, err.status)
  if (err instanceof RuleError) return c.json({ error: { code: 'invalid', message: err.message, field: err.field } }, 400)
  if (err instanceof AlertOpError) return c.json({ error: { code: err.code, message: err.message } }, err.status)
  if (err instanceof QueryError) return c.json({ error: { code: err.code, message: err.message } }, err.status)
  if (err instanceof HTTPException) {
    return c.json({ error: { code: err.status === 401 ? 'unauthorized' : 'http_error', message: err.message || 'request refused' } }, err.status)
  }
  log('error', 'API request failed', { path: c.req.path, error: err.stack ?? err.message })
  return c.json({ error: { code: 'internal', message: 'internal error' } }, 500)
}
