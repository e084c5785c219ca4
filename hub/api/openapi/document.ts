import { z } from 'zod'
import { requiredRole } from '../../security/roles.js'
import type { RouteDoc } from './route-docs.js'

// The OpenAPI 3.1 description of every /v1 route the app has registered (Hono's route table), with the summaries
// and parameters of route-docs.ts and request bodies converted from the zod schemas that validate them.

export interface RegisteredRoute {
  method: string
  path: string
}

/** Hono's `/v1/devices/:id` as OpenAPI's `/v1/devices/{id}`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}')

/** The /v1 operations among Hono's routes (middleware and the catch-all left out), deduplicated. */
export function v1Operations(routes: readonly RegisteredRoute[]): Array<{ method: string; path: string }> {
  const seen = new Set<string>()
  const out = []
  for (const r of routes) {
    if (!r.path.startsWith('/v1/') || r.path.includes('*') || r.method === 'ALL') continue
    const key = `${r.method} ${openApiPath(r.path)}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ method: r.method, path: openApiPath(r.path) })
  }
  return out
}

const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } }, required: ['code', 'message'] } },
}

export function openApiDocument(routes: readonly RegisteredRoute[], docs: Record<string, RouteDoc>): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const { method, path } of v1Operations(routes)) {
    const doc = docs[`${method} ${path}`]
    const parameters = [
      ...[...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(doc?.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, description, schema: { type: 'string' } })),
    ]
    const operation: Record<string, unknown> = {
      summary: doc?.summary ?? 'undocumented',
      tags: [doc?.tag ?? 'other'],
      description: `Least role: ${requiredRole(method, path.replace(/\{[^}]+\}/g, 'x'))}.`,
      parameters,
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object' } } } },
        default: { description: 'Error: {error:{code, message}} with a fitting status', content: { 'application/json': { schema: errorSchema } } },
      },
    }
    if (doc?.body) {
      const schema = z.toJSONSchema(doc.body, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' })
      delete (schema as { $schema?: string }).$schema
      operation.requestBody = { required: true, content: { 'application/json': { schema } } }
    }
    if (path === '/v1/openapi.json') operation.security = []
    ;(paths[path] ??= {})[method.toLowerCase()] = operation
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Outpost hub API', version: 'v1', description: 'Every /v1 route takes `Authorization: Bearer <token>` (DESIGN §7, §11).' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  }
}
