import { Hono } from 'hono'
import { z } from 'zod'
import type { CredentialStore } from '../../security/credentials.js'
import { ROLES } from '../../security/roles.js'
import { actorOf } from '../actor.js'
import { ApiError } from '../errors.js'
import { asApiError, jsonBody } from './credential-body.js'

export const tokenAddBody = z.object({ role: z.enum(ROLES), name: z.string().optional() }).strict()

/** /v1/tokens (admin only, DESIGN §7): API and operator tokens; a new token is returned once as `{token}`. */
export function tokenRoutes(credentials: CredentialStore) {
  return new Hono()
    .get('/', (c) => c.json({ tokens: credentials.listTokens() }))
    .get('/:id', (c) => {
      const t = credentials.listTokens().find((x) => x.id === c.req.param('id'))
      if (!t) throw new ApiError(404, 'not_found', `token "${c.req.param('id')}" not found`)
      return c.json(t)
    })
    .post('/', async (c) => {
      const body = await jsonBody(c, tokenAddBody)
      const created = await credentials.addToken(body.role, actorOf(c), body.name).catch(asApiError)
      return c.json({ id: created.id, role: body.role, token: created.token }, 201)
    })
    .delete('/:id', async (c) => {
      await credentials.revokeToken(c.req.param('id')).catch(asApiError)
      return c.json({ id: c.req.param('id'), revoked: true })
    })
}
