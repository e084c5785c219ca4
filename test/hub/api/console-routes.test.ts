import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gunzipSync } from 'node:zlib'
import { startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { makeTestAgent } from '../../helpers/agent.js'
import { addDevice, addToken, api } from '../../security/support.js'
import { loadDashboardsFile } from '../../../hub/dashboards/provision.js'
import type { Agent } from '../../../agent/agent.js'

const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
const BUILT = existsSync(join(ROOT, 'dist/console/index.html'))

const board = {
  title: 'Pumps',
  panels: [{ title: 'CPU', type: 'graph', query: '/v1/metrics/query?name=system_cpu_usage_ratio&groupBy=device', unit: 'percent', thresholds: [{ value: 0.9, color: 'red' }] }],
}

describe('console routes: page and assets, whoami, dashboards, device paging', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub

  beforeAll(async () => {
    dir = await tempDir()
    const file = join(dir.dir, 'dashboards.yaml')
    writeFileSync(file, `- id: provisioned-one\n  title: From a file\n  panels: [{title: Online, type: stat, query: /v1/devices?limit=1, field: counts.online}]\n`)
    hub = await startTestHub(dir.dir, { dashboards: file })
  })
  afterAll(async () => {
    await hub?.stop()
    await dir?.cleanup()
  })

  it.runIf(BUILT)('serves the page at / (no token, CSP) and hashed assets under /ui/ with a long cache, gzipped', async () => {
    const page = await fetch(hub.apiUrl + '/')
    expect(page.status).toBe(200)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    expect(page.headers.get('cache-control')).toBe('no-cache')
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'")
    const html = await page.text()
    const js = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)![1]
    const asset = await fetch(hub.apiUrl + js, { headers: { 'accept-encoding': 'gzip' }, decompress: false } as RequestInit)
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(asset.headers.get('content-type')).toMatch(/javascript/)
    // Nothing is fetched from elsewhere: no absolute URL to another host in the page or the bundle.
    expect(html).not.toMatch(/https?:\/\//)
    const names = readdirSync(join(ROOT, 'dist/console/assets'))
    expect(names.length).toBeGreaterThan(0)
    expect((await fetch(hub.apiUrl + '/ui/assets/nope.js')).status).toBe(404)
    const raw = await fetch(hub.apiUrl + js, { headers: { 'accept-encoding': 'identity' } })
    expect(raw.headers.get('content-encoding')).toBeNull()
    expect((await raw.arrayBuffer()).byteLength).toBeGreaterThan(10_000)
  })

  it('whoami names the caller and role; 401 without a token', async () => {
    const viewer = await addToken(hub, 'viewer', 'wall-screen')
    expect((await api(hub, 'GET', '/v1/whoami', viewer.token)).body).toEqual({ name: 'wall-screen', role: 'viewer' })
    expect((await api(hub, 'GET', '/v1/whoami')).body.role).toBe('admin')
    expect((await api(hub, 'GET', '/v1/whoami', null)).status).toBe(401)
  })

  it('dashboards: provisioned from the file, PUT creates then replaces, bad input names the field, DELETE, audited', async () => {
    const list = await api(hub, 'GET', '/v1/dashboards')
    expect(list.body.dashboards.map((d: any) => [d.id, d.provisioned])).toEqual([['provisioned-one', true]])
    const created = await api(hub, 'PUT', '/v1/dashboards/pumps', TEST_ADMIN_TOKEN, board)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ id: 'pumps', title: 'Pumps', provisioned: false, updatedBy: 'admin' })
    const replaced = await api(hub, 'PUT', '/v1/dashboards/pumps', TEST_ADMIN_TOKEN, { ...board, title: 'Pumps 2' })
    expect(replaced.status).toBe(200)
    expect((await api(hub, 'GET', '/v1/dashboards/pumps')).body.title).toBe('Pumps 2')

    const bad = async (body: unknown, id = 'pumps') => (await api(hub, 'PUT', `/v1/dashboards/${id}`, TEST_ADMIN_TOKEN, body)).body.error
    expect(await bad({ ...board, panels: [{ ...board.panels[0], type: 'pie' }] })).toMatchObject({ code: 'invalid', field: 'panels.0.type' })
    expect(await bad({ ...board, panels: [{ ...board.panels[0], query: 'http://evil.example/x' }] })).toMatchObject({ field: 'panels.0.query' })
    expect(await bad({ ...board, panels: [{ ...board.panels[0], query: '/v1/../metrics' }] })).toMatchObject({ field: 'panels.0.query' })
    expect(await bad({ ...board, colour: 'blue' })).toMatchObject({ field: 'colour' })
    expect(await bad({ ...board, id: 'other' })).toMatchObject({ code: 'invalid', message: expect.stringMatching(/^id: /) })
    expect(await bad(board, 'bad%20id')).toMatchObject({ field: 'id' })
    expect((await api(hub, 'PUT', '/v1/dashboards/pumps', TEST_ADMIN_TOKEN, 'not an object')).status).toBe(400)

    expect((await api(hub, 'DELETE', '/v1/dashboards/pumps')).status).toBe(204)
    expect((await api(hub, 'GET', '/v1/dashboards/pumps')).status).toBe(404)
    expect((await api(hub, 'DELETE', '/v1/dashboards/pumps')).status).toBe(404)
    const audit = await api(hub, 'GET', '/v1/audit?limit=50')
    const routes = (audit.body.entries ?? audit.body.audit ?? []).map((e: any) => `${e.method} ${e.route} ${e.target}`)
    expect(routes, routes.join('\n')).toContain('PUT /v1/dashboards/:id pumps')
    expect(routes).toContain('DELETE /v1/dashboards/:id pumps')
  })

  it('a bad dashboards file stops the hub naming the file, index and field; the shipped examples parse', () => {
    const file = join(dir.dir, 'bad.yaml')
    writeFileSync(file, '- id: a\n  title: A\n  panels: []\n- id: b\n  title: B\n  panels: [{title: x, type: graph, query: /v1/x, unit: 5}]\n')
    expect(() => loadDashboardsFile(file)).toThrow(`dashboards file ${file}: [1].panels.0.unit:`)
    writeFileSync(file, '- id: a\n  title: A\n  panels: []\n- id: a\n  title: again\n  panels: []\n')
    expect(() => loadDashboardsFile(file)).toThrow(/\[1\]\.id: duplicate id "a"/)
    const shipped = loadDashboardsFile(join(ROOT, 'hub/dashboards/sample.yaml'))
    expect(shipped.map((d) => d.title).sort()).toEqual(['Fleet operations', 'Fleet overview'])
    expect(new Set(shipped.flatMap((d) => d.panels.map((p) => p.type)))).toEqual(new Set(['stat', 'histogram', 'gauge', 'heatmap', 'table']))
  })

  it('GET /v1/devices pages, filters and sorts trouble first; counts cover the whole fleet; bad parameters name themselves', async () => {
    for (let i = 0; i < 25; i++) await addDevice(hub, `pump-${String(i).padStart(2, '0')}`)
    await addDevice(hub, 'valve-1')
    const all = await api(hub, 'GET', '/v1/devices')
    expect(all.body.devices.length).toBe(all.body.total)
    expect(all.body.devices[0]).toMatchObject({ openAlerts: { firing: 0, pending: 0 }, backlog: null })
    const page = await api(hub, 'GET', '/v1/devices?q=PUMP&limit=10&offset=20')
    expect(page.body.total).toBe(25)
    expect(page.body.devices.map((d: any) => d.id)).toEqual(['pump-20', 'pump-21', 'pump-22', 'pump-23', 'pump-24'])
    expect(page.body.counts).toMatchObject({ total: all.body.total, online: 0, offline: all.body.total })
    expect((await api(hub, 'GET', '/v1/devices?state=online')).body.total).toBe(0)
    for (const [q, name] of [['state=sleepy', 'state'], ['limit=0', 'limit'], ['offset=-1', 'offset'], ['sort=random', 'sort']]) {
      const r = await api(hub, 'GET', `/v1/devices?${q}`)
      expect(r.status, q).toBe(400)
      expect(r.body.error.message).toContain(name)
    }
  })

  describe('with a live agent', () => {
    let agent: Agent
    afterAll(async () => agent?.stop())

    it('trouble sort puts offline devices before healthy ones; label.K filters on host fields; the agent’s backlog is reported', async () => {
      agent = makeTestAgent(dir.dir, hub.mqttUrl, { id: 'pump-07' })
      await agent.start()
      await waitFor(async () => (await api(hub, 'GET', '/v1/devices/pump-07')).body.online, 20_000, 'pump-07 online')
      const r = await api(hub, 'GET', '/v1/devices?sort=trouble&q=pump')
      expect(r.body.devices.at(-1).id).toBe('pump-07')
      expect(r.body.devices[0].id).toBe('pump-00')
      expect((await api(hub, 'GET', '/v1/devices?label.hostname=test-host')).body.devices.map((d: any) => d.id)).toEqual(['pump-07'])
      // The agent's own buffer gauges reach the device record.
      await waitFor(async () => (await api(hub, 'GET', '/v1/devices/pump-07')).body.backlog, 20_000, 'backlog reported')
    })
  })
})
