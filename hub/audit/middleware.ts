import type { MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import { actorOf } from '../api/actor.js'
import { summarizeBody, type AuditLog } from './audit-log.js'

type Log = (level: string, msg: string, extra?: Record<string, unknown>) => void

/**
 * Records every successful mutating /v1 request: who, method, route, target, body summary, when. With `reads`, GETs
 * by an API token are recorded too (the query string as the summary), so an auditor sees who read which data.
 */
export function auditMiddleware(audit: AuditLog, log: Log, options: { reads: boolean } = { reads: false }): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method
    if (method === 'HEAD' || method === 'OPTIONS') return next()
    if (method === 'GET') {
      if (!options.reads) return next()
      await next()
      const actor = actorOf(c)
      if (actor === 'anonymous') return
      const route = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1)?.path ?? c.req.path
      const query = new URL(c.req.url).search
      await audit
        .record({ actor, method, route, target: c.req.path.split('/').slice(3).join('/') || undefined, status: c.res.status, summary: query ? { query: query.slice(0, 500) } : undefined })
        .catch((err) => log('error', 'audit write failed', { error: String(err) }))
      return
    }
    let body: unknown
    const text = await c.req.raw.clone().text().catch(() => '')
    if (text) {
      try {
        body = summarizeBody(JSON.parse(text))
      } catch {
        body = `${text.length} bytes, not JSON`
      }
    }
    await next()
    if (c.res.status >= 400) return
    const path = c.req.path
    // The target is what the path names after its resource: /v1/devices/dev-1 → dev-1.
    const target = path.split('/').slice(3).join('/') || undefined
    const route = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1)?.path ?? path
    await audit
      .record({ actor: actorOf(c), method, route, target, status: c.res.status, summary: body })
      .catch((err) => log('error', 'audit write failed', { error: String(err) }))
  }
}
