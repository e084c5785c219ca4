import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '../helpers/hub.js'
import { tempDir } from '../helpers/temp.js'
import { ROLES, type Role } from '../../hub/security/roles.js'
import { addDevice, addToken, api } from './support.js'

type Need = Role | 'public'
interface Case {
  need: Need
  /** Builds the concrete request (fresh resources for deletes); default: params filled with "x". */
  request?: (h: TestHub) => Promise<{ path: string; body?: unknown }>
  /** The allowed role gets a 2xx (false where a 2xx needs data this test does not make: not 401/403 then). */
  ok2xx?: boolean
  /** A stream (Server-Sent Events): judged by its status line, then closed. */
  stream?: boolean
}

let n = 0
const fresh = () => `r${++n}`

// The policy decision for every route (issue 7): a route the app registers that is missing here fails the test,
// so a route added later must be given a role on purpose. Params are written `:_`.
const POLICY: Record<string, Case> = {
  'GET /healthz': { need: 'public', ok2xx: true },
  'GET /readyz': { need: 'public', ok2xx: true },
  'GET /metrics': { need: 'public', ok2xx: true },
  'GET /v1/devices': { need: 'viewer', ok2xx: true },
  'GET /v1/status': { need: 'viewer', ok2xx: true },
  'GET /v1/devices/:_': { need: 'viewer', ok2xx: true, request: async (h) => ({ path: `/v1/devices/${await made(h)}` }) },
  'POST /v1/devices': { need: 'admin', ok2xx: true, request: async () => ({ path: '/v1/devices', body: { id: fresh() } }) },
  'DELETE /v1/devices/:_': { need: 'admin', ok2xx: true, request: async (h) => ({ path: `/v1/devices/${await made(h)}` }) },
  'GET /v1/tokens': { need: 'admin', ok2xx: true },
  'GET /v1/tokens/:_': { need: 'admin', ok2xx: true, request: async (h) => ({ path: `/v1/tokens/${(await addToken(h, 'viewer', fresh())).id}` }) },
  'POST /v1/tokens': { need: 'admin', ok2xx: true, request: async () => ({ path: '/v1/tokens', body: { role: 'viewer' } }) },
  'DELETE /v1/tokens/:_': { need: 'admin', ok2xx: true, request: async (h) => ({ path: `/v1/tokens/${(await addToken(h, 'viewer', fresh())).id}` }) },
  'GET /v1/audit': { need: 'admin', ok2xx: true },
  'GET /v1/metrics/names': { need: 'viewer', ok2xx: true },
  'GET /v1/metrics/series': { need: 'viewer', ok2xx: true },
  'GET /v1/metrics/query': { need: 'viewer', ok2xx: true, request: async () => ({ path: '/v1/metrics/query?name=x&from=-1h' }) },
  'GET /v1/metrics/stats': { need: 'viewer', ok2xx: true, request: async () => ({ path: '/v1/metrics/stats?name=x&from=-1h' }) },
  'GET /v1/traces': { need: 'viewer', ok2xx: true },
  'GET /v1/traces/stats': { need: 'viewer', ok2xx: true },
  'GET /v1/traces/:_': { need: 'viewer', request: async () => ({ path: '/v1/traces/0123456789abcdef0123456789abcdef' }) },
  'GET /v1/logs': { need: 'viewer', ok2xx: true },
  'GET /v1/logs/errors': { need: 'viewer', ok2xx: true },
  'GET /v1/health': { need: 'viewer', ok2xx: true },
  'GET /v1/health/history': { need: 'viewer', ok2xx: true },
  // Alerting routes (DESIGN §7, built in another change): decided here so they are covered when they land.
  'GET /v1/rules': { need: 'viewer' },
  'GET /v1/rules/:_': { need: 'viewer' },
  'POST /v1/rules': { need: 'admin' },
  'PUT /v1/rules/:_': { need: 'admin' },
  'DELETE /v1/rules/:_': { need: 'admin' },
  'GET /v1/alerts': { need: 'viewer' },
  'GET /v1/alerts/:_': { need: 'viewer' },
  'POST /v1/alerts/:_/ack': { need: 'operator' },
  'POST /v1/alerts/:_/resolve': { need: 'operator' },
  'GET /v1/silences': { need: 'viewer' },
  'GET /v1/silences/:_': { need: 'viewer' },
  'POST /v1/silences': { need: 'operator' },
  'PUT /v1/silences/:_': { need: 'operator' },
  'DELETE /v1/silences/:_': { need: 'operator' },
  // Remote configuration, labels and commands (issue 19, docs/agent.md): commands are operators', config admins'.
  'GET /v1/devices/:_/config': { need: 'viewer', ok2xx: true, request: async (h) => ({ path: `/v1/devices/${await known(h)}/config` }) },
  'PUT /v1/devices/:_/config': { need: 'admin', ok2xx: true, request: async (h) => ({ path: `/v1/devices/${await known(h)}/config`, body: { config: { interval: '30s' } } }) },
  'PUT /v1/devices/:_/labels': { need: 'admin', ok2xx: true, request: async (h) => ({ path: `/v1/devices/${await known(h)}/labels`, body: { labels: { site: 'a' } } }) },
  'PUT /v1/config': { need: 'admin', ok2xx: true, request: async () => ({ path: '/v1/config?selector=label.site=nowhere', body: { config: { interval: '30s' } } }) },
  'POST /v1/devices/:_/commands': { need: 'operator', ok2xx: true, request: async (h) => ({ path: `/v1/devices/${await known(h)}/commands`, body: { name: 'ping', timeout: 100 } }) },
  'GET /v1/devices/:_/commands': { need: 'viewer', ok2xx: true, request: async (h) => ({ path: `/v1/devices/${await known(h)}/commands` }) },
  'GET /v1/devices/:_/commands/:_': { need: 'viewer' },
  'GET /v1/incidents': { need: 'viewer' },
  'GET /v1/incidents/:_': { need: 'viewer' },
  'GET /v1/anomalies': { need: 'viewer', ok2xx: true },
  // Notifications (issue 17, docs/notifications.md): a test message is an operator's action, like an ack.
  'GET /v1/notifications': { need: 'viewer', ok2xx: true },
  'GET /v1/receivers': { need: 'viewer', ok2xx: true },
  'POST /v1/receivers/:_/test': { need: 'operator' },
  // The API's description and reference page are public: no data in them.
  'GET /v1/openapi.json': { need: 'public', ok2xx: true },
  'GET /docs': { need: 'public', ok2xx: true },
  'GET /docs/swagger-ui.css': { need: 'public', ok2xx: true },
  'GET /docs/swagger-ui-bundle.js': { need: 'public', ok2xx: true },
  'GET /docs/init.js': { need: 'public', ok2xx: true },
  // Prometheus's API (issue 13): reads, POST included, for any role; its errors use Prometheus's envelope.
  ...Object.fromEntries(
    (
      [
        ['query', '?query=1'],
        ['query_range', '?query=1&start=0&end=10&step=1'],
        ['series', '?match[]=up'],
        ['labels', ''],
        ['query_exemplars', '?query=up'],
      ] as const
    ).flatMap(([route, params]) =>
      ['GET', 'POST'].map((m) => [`${m} /prometheus/api/v1/${route}`, { need: 'viewer' as Need, ok2xx: true, request: async () => ({ path: `/prometheus/api/v1/${route}${params}` }) }]),
    ),
  ),
  'GET /prometheus/api/v1/label/:_/values': { need: 'viewer', ok2xx: true },
  'GET /prometheus/api/v1/metadata': { need: 'viewer', ok2xx: true },
  'GET /prometheus/api/v1/status/buildinfo': { need: 'viewer', ok2xx: true },
  // Issue 20: SLOs, reports, audit verification, device export (purge is DELETE /v1/devices/:_?purge=true).
  'GET /v1/audit/verify': { need: 'admin', ok2xx: true },
  'GET /v1/devices/:_/export': { need: 'admin', ok2xx: true, request: async (h) => ({ path: `/v1/devices/${await made(h)}/export` }) },
  'GET /v1/slos': { need: 'viewer', ok2xx: true },
  'GET /v1/slos/:_': { need: 'viewer' },
  'POST /v1/slos': { need: 'admin', ok2xx: true, request: async () => ({ path: '/v1/slos', body: { id: fresh(), indicator: { kind: 'availability' }, objective: 0.99 } }) },
  'PUT /v1/slos/:_': { need: 'admin' },
  'DELETE /v1/slos/:_': { need: 'admin' },
  'GET /v1/reports/fleet': { need: 'viewer', ok2xx: true },
  // The console (issue 12): its page and assets are public (they hold no data); everything it shows needs a token.
  'GET /': { need: 'public', ok2xx: true },
  'GET /ui/*': { need: 'public', ok2xx: true, request: async () => ({ path: '/ui/index.html' }) },
  'GET /v1/whoami': { need: 'viewer', ok2xx: true },
  'GET /v1/events': { need: 'viewer', ok2xx: true, stream: true },
  'GET /v1/dashboards': { need: 'viewer', ok2xx: true },
  'GET /v1/dashboards/:_': { need: 'viewer', ok2xx: true, request: async (h) => ({ path: `/v1/dashboards/${await board(h)}` }) },
  'PUT /v1/dashboards/:_': { need: 'operator', ok2xx: true, request: async () => ({ path: `/v1/dashboards/${fresh()}`, body: { title: 't', panels: [] } }) },
  'DELETE /v1/dashboards/:_': { need: 'operator', ok2xx: true, request: async (h) => ({ path: `/v1/dashboards/${await board(h)}` }) },
}

async function board(h: TestHub): Promise<string> {
  const id = fresh()
  const r = await api(h, 'PUT', `/v1/dashboards/${id}`, TEST_ADMIN_TOKEN, { title: id, panels: [] })
  if (r.status !== 201) throw new Error(`dashboard ${id}: ${r.status}`)
  return id
}

/** The status of a streaming route: headers only, then the stream is closed. */
async function streamStatus(h: TestHub, path: string, token: string | null) {
  const ctl = new AbortController()
  const res = await fetch(h.apiUrl + path, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: ctl.signal })
  const body = res.status >= 400 ? await res.json() : {}
  ctl.abort()
  return { status: res.status, body }
}

let knownDevice: Promise<string> | undefined
/** One device for routes that do not delete it (making one per request costs a token hash each). */
function known(h: TestHub): Promise<string> {
  knownDevice ??= made(h)
  return knownDevice
}

/** The error code in either envelope: /v1's {error:{code}} or Prometheus's {errorType}. */
const errorCode = (body: any) => body?.error?.code ?? body?.errorType

async function made(h: TestHub): Promise<string> {
  const id = fresh()
  await addDevice(h, id)
  return id
}

describe('API roles for every route (401, 403, 2xx)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  const tokens = {} as Record<Role, string>
  let routes: Array<{ method: string; path: string; key: string }>

  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
    for (const role of ROLES) tokens[role] = (await addToken(hub, role, `${role}-tok`)).token
    routes = hub.hub.api!.routes
      .filter((r) => r.method !== 'ALL')
      .map((r) => ({ method: r.method, path: r.path, key: `${r.method} ${r.path.replace(/:[A-Za-z0-9_]+/g, ':_')}` }))
  })
  afterAll(async () => {
    await hub?.stop()
    await dir?.cleanup()
  })

  it('every registered route has a policy decision in this test', () => {
    expect(routes.length).toBeGreaterThan(20)
    expect(routes.filter((r) => !POLICY[r.key]).map((r) => r.key)).toEqual([])
  })

  // Every route × four credentials, the bad ones each an scrypt check: well over vitest's default 5 s on a loaded
  // machine, so these two loops get minutes.
  it('no token or a bad token: 401 on every /v1 route; public routes answer', async () => {
    for (const r of routes) {
      const c = POLICY[r.key]
      const req = c.request ? await c.request(hub) : { path: r.path.replace(/:[A-Za-z0-9_]+/g, 'x') }
      for (const token of [null, 'not-a-token', 'viewer-tok.wrongsecret', `${TEST_ADMIN_TOKEN}x`]) {
        const res = c.stream ? await streamStatus(hub, req.path, token) : await api(hub, r.method, req.path, token, req.body)
        if (c.need === 'public') expect(res.status, `${r.key}`).toBe(200)
        else {
          expect(res.status, `${r.key} token=${token}`).toBe(401)
          expect(errorCode(res.body)).toBe('unauthorized')
        }
      }
    }
  }, 180_000)

  it('each role: 403 below the route’s role, allowed (2xx where the route can answer) at or above it', async () => {
    for (const r of routes) {
      const c = POLICY[r.key]
      if (c.need === 'public') continue
      for (const role of ROLES) {
        const req = c.request ? await c.request(hub) : { path: r.path.replace(/:[A-Za-z0-9_]+/g, 'x') }
        const res = c.stream ? await streamStatus(hub, req.path, tokens[role]) : await api(hub, r.method, req.path, tokens[role], req.body)
        const allowed = ROLES.indexOf(role) >= ROLES.indexOf(c.need)
        const what = `${r.key} as ${role}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`
        if (!allowed) {
          expect(res.status, what).toBe(403)
          expect(errorCode(res.body)).toBe('forbidden')
        } else if (c.ok2xx) expect(res.status >= 200 && res.status < 300, what).toBe(true)
        else expect([401, 403], what).not.toContain(res.status)
      }
    }
  }, 180_000)

  it('a revoked token is refused at once; the hub admin token works', async () => {
    const t = await addToken(hub, 'admin', 'short-lived')
    expect((await api(hub, 'GET', '/v1/tokens', t.token)).status).toBe(200)
    expect((await api(hub, 'DELETE', '/v1/tokens/short-lived')).status).toBe(200)
    expect((await api(hub, 'GET', '/v1/devices', t.token)).status).toBe(401)
    const list = await api(hub, 'GET', '/v1/tokens')
    expect(list.body.tokens.map((x: { id: string }) => x.id)).not.toContain('short-lived')
    expect(JSON.stringify(list.body)).not.toMatch(/scrypt|hash/)
  })

  it('bad bodies are 400 naming the field; duplicates 409; unknown 404', async () => {
    expect((await api(hub, 'POST', '/v1/devices', TEST_ADMIN_TOKEN, { id: 'a/#' })).body.error.code).toBe('invalid_id')
    expect((await api(hub, 'POST', '/v1/devices', TEST_ADMIN_TOKEN, { id: '__proto__' })).status).toBe(400)
    const missing = await api(hub, 'POST', '/v1/tokens', TEST_ADMIN_TOKEN, { role: 'root' })
    expect(missing.status).toBe(400)
    expect(missing.body.error.message).toMatch(/^role/)
    await addDevice(hub, 'dup-1')
    expect((await api(hub, 'POST', '/v1/devices', TEST_ADMIN_TOKEN, { id: 'dup-1' })).status).toBe(409)
    expect((await api(hub, 'POST', '/v1/devices', TEST_ADMIN_TOKEN, { id: 'dup-1', rotate: true })).status).toBe(201)
    expect((await api(hub, 'DELETE', '/v1/devices/nobody')).status).toBe(404)
    expect((await api(hub, 'DELETE', '/v1/tokens/nobody')).status).toBe(404)
    const huge = await api(hub, 'POST', '/v1/devices', TEST_ADMIN_TOKEN, { id: 'x'.repeat(2 * 1024 * 1024) })
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'too_large' } } })
  })
})
