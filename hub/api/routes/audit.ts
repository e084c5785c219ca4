import { Hono } from 'hono'
import type { AuditLog } from '../../audit/audit-log.js'
import type { VerifyResult } from '../../audit/verify.js'
import { badParameter } from '../../metrics/query/errors.js'
import { parseTime } from '../../metrics/query/time.js'

const PARAMS = new Set(['from', 'to', 'actor', 'limit'])

/** GET /v1/audit?from=&to=&actor=&limit= (DESIGN §7): every change, who and when, newest first. */
export function auditRoutes(audit: AuditLog, clock: () => number, verify: () => Promise<VerifyResult>) {
  // GET /v1/audit/verify: walks the hash chain and checkpoints; 200 either way, `ok` and `firstBroken` say which.
  return new Hono().get('/verify', async (c) => c.json(await verify())).get('/', async (c) => {
    const params = new URL(c.req.url).searchParams
    for (const key of params.keys()) if (!PARAMS.has(key)) throw badParameter(key, params.get(key) ?? '', 'unknown parameter')
    const now = clock()
    const from = params.has('from') ? parseTime(params.get('from')!, now, 'from') : 0
    const to = params.has('to') ? parseTime(params.get('to')!, now, 'to') : now
    const limitText = params.get('limit') ?? '100'
    const limit = Number(limitText)
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badParameter('limit', limitText, 'must be an integer from 1 to 1000')
    const actor = params.get('actor') ?? undefined
    return c.json({ from, to, entries: await audit.query({ from, to, actor, limit }) })
  })
}
