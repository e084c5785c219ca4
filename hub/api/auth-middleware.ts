import type { MiddlewareHandler } from 'hono'
import type { CredentialStore } from '../security/credentials.js'
import { requiredRole, roleAllows } from '../security/roles.js'
import { ApiError } from './errors.js'
import { setActor, setRole } from './actor.js'

const BEARER = /^Bearer\s+(\S+)\s*$/i

/**
 * Bearer tokens with roles (DESIGN §7, §11): 401 without a valid token, 403 when the token's role may not call
 * the route. The policy is decided by method and path (security/roles.ts), so every route is covered.
 */
export function bearerRoles(credentials: CredentialStore): MiddlewareHandler {
  return async (c, next) => {
    const m = BEARER.exec(c.req.header('authorization') ?? '')
    const who = m ? await credentials.identify(m[1]) : undefined
    if (!who) {
      c.header('WWW-Authenticate', 'Bearer realm="outpost"')
      throw new ApiError(401, 'unauthorized', m ? 'invalid or revoked token' : 'a bearer token is required (Authorization: Bearer TOKEN)')
    }
    setActor(c, who.name)
    setRole(c, who.role)
    const needed = requiredRole(c.req.method, c.req.path)
    if (!roleAllows(who.role, needed)) {
      throw new ApiError(403, 'forbidden', `role ${who.role} may not ${c.req.method} ${c.req.path} (needs ${needed})`)
    }
    await next()
  }
}
