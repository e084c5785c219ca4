/** API roles, least to most (DESIGN §7, §11). */
export const ROLES = ['viewer', 'operator', 'admin'] as const
export type Role = (typeof ROLES)[number]

export function roleAllows(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed)
}

// Route-table policy by method and path, so routes added later are covered without a decision here:
// GET → viewer (and the Prometheus API's POST reads); alert acks/resolves, silences and receiver tests → operator; tokens, audit and a
// device's full data export → admin (GET too); other writes (SLOs, device purge…) → admin.
const OPERATOR_WRITES = [/^\/v1\/alerts\/[^/]+\/(ack|resolve)$/, /^\/v1\/silences(\/.*)?$/, /^\/v1\/receivers\/[^/]+\/test$/]
const ADMIN_ALWAYS = [/^\/v1\/tokens(\/.*)?$/, /^\/v1\/audit(\/.*)?$/, /^\/v1\/devices\/[^/]+\/export$/]
// Prometheus's API takes its reads as POST forms too (long queries): reads, so a viewer may POST them.
const VIEWER_POSTS = [/^\/prometheus\/api\/v1\/(query|query_range|series|labels|query_exemplars)$/]

/** The least role that may call `method path`; path is a concrete request path or a route pattern. */
export function requiredRole(method: string, path: string): Role {
  const p = path.length > 1 ? path.replace(/\/+$/, '') : path
  if (ADMIN_ALWAYS.some((re) => re.test(p))) return 'admin'
  const m = method.toUpperCase()
  if (m === 'GET' || m === 'HEAD') return 'viewer'
  if (m === 'POST' && VIEWER_POSTS.some((re) => re.test(p))) return 'viewer'
  if (OPERATOR_WRITES.some((re) => re.test(p))) return 'operator'
  return 'admin'
}
