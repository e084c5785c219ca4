import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { topics } from '../../protocol/topics.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { makeTestAgent } from '../helpers/agent.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import type { Agent } from '../../agent/agent.js'
import { addDevice, addToken, api, closedWithin, connect } from './support.js'

describe('revocation acts on the live session', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  let agent: Agent | undefined

  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { mqttCredentials: true })
  })
  afterAll(async () => {
    await agent?.stop()
    await hub?.stop()
    await dir?.cleanup()
  })

  it('a revoked device is disconnected within 1 s, its retained status and subscriptions are gone, and it cannot reconnect', async () => {
    const token = await addDevice(hub, 'dev-r')
    const ops = await addToken(hub, 'operator', 'watch')
    // A persistent session, so the revocation must drop stored subscriptions too.
    const device = await connect(hub.mqttUrl, { clientId: 'dev-r', username: 'dev-r', password: token, clean: false })
    await device.subscribeAsync(topics.ack('dev-r'), { qos: 1 })
    await device.publishAsync(topics.status('dev-r'), Buffer.from([0xa1, 0x65, 0x73, 0x74, 0x61, 0x74, 0x65, 0x66, 0x6f, 0x6e, 0x6c, 0x69, 0x6e, 0x65]), { qos: 1, retain: true })
    await waitFor(async () => (await hub.get('/v1/devices/dev-r')).body.online === true, 5_000, 'online')

    const closed = closedWithin(device, 1_000)
    const started = Date.now()
    expect((await api(hub, 'DELETE', '/v1/devices/dev-r')).status).toBe(200)
    expect(await closed).toBe(true)
    expect(Date.now() - started).toBeLessThan(1_000)
    device.end(true)

    await expect(connect(hub.mqttUrl, { clientId: 'dev-r', username: 'dev-r', password: token })).rejects.toThrow(/Bad username or password/i)
    const view = (await hub.get('/v1/devices/dev-r')).body
    expect(view).toMatchObject({ online: false, credentials: 'revoked' })

    // No retained status is served after revocation.
    const watcher = await connect(hub.mqttUrl, { clientId: 'watch', username: 'watch', password: ops.token })
    const seen: string[] = []
    watcher.on('message', (topic) => seen.push(topic))
    await watcher.subscribeAsync(topics.status('dev-r'), { qos: 1 })
    await new Promise((r) => setTimeout(r, 300))
    expect(seen).toEqual([])
    await watcher.endAsync()

    // Re-added with a new token: the old persistent session (and its subscriptions) is gone.
    const fresh = await addDevice(hub, 'dev-r')
    const again = await connect(hub.mqttUrl, { clientId: 'dev-r', username: 'dev-r', password: fresh, clean: false })
    expect(again.connected).toBe(true)
    expect(again.sessionPresent).toBe(false)
    await again.endAsync()

    const audit = (await hub.get('/v1/audit?limit=50')).body.entries as Array<Record<string, unknown>>
    expect(audit).toEqual(expect.arrayContaining([
      expect.objectContaining({ actor: 'admin', method: 'DELETE', route: '/v1/devices/:id', target: 'dev-r', status: 200 }),
      expect.objectContaining({ actor: 'admin', method: 'hub', route: 'device.session_ended', target: 'dev-r', summary: { wasConnected: true } }),
      expect.objectContaining({ actor: 'admin', method: 'POST', route: '/v1/devices', summary: { id: 'dev-r' } }),
    ]))
    expect(JSON.stringify(audit)).not.toContain(token)
    expect(JSON.stringify(audit)).not.toContain(ops.token.split('.')[1])
  })

  it('a real agent delivering is cut off by revocation; other devices keep delivering', async () => {
    const tokenX = await addDevice(hub, 'dev-x')
    const tokenY = await addDevice(hub, 'dev-y')
    agent = makeTestAgent(dir.dir, hub.mqttUrl, { id: 'dev-x', token: tokenX })
    const other = makeTestAgent(dir.dir + '/y', hub.mqttUrl, { id: 'dev-y', token: tokenY })
    await agent.start()
    await other.start()
    await waitFor(() => agent!.uplink.counters.acked > 0 && other.uplink.counters.acked > 0, 10_000, 'both deliver')
    expect((await api(hub, 'DELETE', '/v1/devices/dev-x')).status).toBe(200)
    await waitFor(() => !agent!.uplink.connected, 1_000, 'agent disconnected')
    const connects = agent.uplink.counters.connects
    // An ack already on the wire may still be counted by the agent; what matters is the hub stores nothing more.
    await new Promise((r) => setTimeout(r, 200))
    const batchesOf = async (id: string) => (await hub.get(`/v1/devices/${id}`)).body.counters.batches as number
    const [x0, y0] = [await batchesOf('dev-x'), await batchesOf('dev-y')]
    await new Promise((r) => setTimeout(r, 1_500))
    expect(agent.uplink.connected).toBe(false)
    expect(agent.uplink.counters.connects).toBe(connects)
    expect(await batchesOf('dev-x')).toBe(x0)
    expect(await batchesOf('dev-y')).toBeGreaterThan(y0)
    const metrics = await fetch(`${hub.apiUrl}/metrics`).then((r) => r.text())
    expect(metrics).toMatch(/outpost_hub_limited_total\{reason="bad_credentials"\} [1-9]/)
    await other.stop()
  })

  it('with --insecure (no passwords) a revoked device still stays out, and others still connect without one', async () => {
    const d = await tempDir()
    const open = await startTestHub(d.dir, { insecure: true })
    try {
      await addDevice(open, 'gone-1')
      expect((await api(open, 'DELETE', '/v1/devices/gone-1')).status).toBe(200)
      await expect(connect(open.mqttUrl, { clientId: 'gone-1' })).rejects.toThrow(/Bad username or password/i)
      await (await connect(open.mqttUrl, { clientId: 'lab-2' })).endAsync()
    } finally {
      await open.stop()
      await d.cleanup()
    }
  })

  it('the audit log filters by actor and time, newest first', async () => {
    const t = await addToken(hub, 'admin', 'auditor')
    await api(hub, 'POST', '/v1/devices', t.token, { id: 'by-auditor' })
    const mine = (await hub.get('/v1/audit?actor=auditor')).body.entries
    expect(mine).toHaveLength(1)
    expect(mine[0]).toMatchObject({ actor: 'auditor', method: 'POST', route: '/v1/devices', summary: { id: 'by-auditor' } })
    const all = (await hub.get('/v1/audit?from=-1m&limit=3')).body.entries
    expect(all).toHaveLength(3)
    expect(all[0].at).toBeGreaterThanOrEqual(all[2].at)
    expect((await hub.get('/v1/audit?to=-1h')).body.entries).toEqual([])
    expect((await hub.get('/v1/audit?bogus=1')).status).toBe(400)
    expect((await hub.get('/v1/audit?limit=0')).body.error.message).toMatch(/limit/)
  })
})
