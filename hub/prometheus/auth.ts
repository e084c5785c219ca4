import type { MiddlewareHandler } from 'hono'
import type { CredentialStore, Identity } from '../security/credentials.js'
import { requiredRole, roleAllows } from '../security/roles.js'
import { setActor } from '../api/actor.js'

// Auth for /prometheus (DESIGN §7, §11): a bearer token as on /v1, or HTTP basic auth with the token's name as
// user and the token (or its secret part) as password, the two ways Grafana's data source sends credentials.
// The hub's admin token works as the password of user `admin`. Answers use Prometheus's envelope.

function basic(header: string): { user: string; password: string } | undefined {
  const m = /^Basic\s+(\S+)\s*$/i.exec(header)
  if (!m) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return colon < 0 ? undefined : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}

async function identify(credentials: CredentialStore, header: string): Promise<Identity | undefined> {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header)
  if (bearer) return credentials.identify(bearer[1])
  const b = basic(header)
  if (!b) return undefined
  const named = await credentials.identifyNamed(b.user, b.password)
  if (named) return named
  const whole = await credentials.identify(b.password)
  return whole && (whole.name === b.user || (whole.name === 'admin' && b.user === 'admin')) ? whole : undefined
}

export function prometheusAuth(credentials: CredentialStore, insecure: boolean): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? ''
    const who = header ? await identify(credentials, header) : undefined
    if (who) setActor(c, who.name)
    if (insecure) return next()
    if (!who) {
      c.header('WWW-Authenticate', 'Basic realm="outpost"')
      return c.json({ status: 'error', errorType: 'unauthorized', error: header ? 'invalid or revoked credentials' : 'credentials required: a bearer token, or basic auth with the token name and token' }, 401)
    }
    const needed = requiredRole(c.req.method, c.req.path)
    if (!roleAllows(who.role, needed)) {
      return c.json({ status: 'error', errorType: 'forbidden', error: `role ${who.role} may not ${c.req.method} ${c.req.path} (needs ${needed})` }, 403)
    }
    await next()
  }
}
