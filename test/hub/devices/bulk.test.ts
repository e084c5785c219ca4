import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir } from '../../helpers/temp.js'
import { api, connect } from '../../security/support.js'

describe('bulk provisioning: POST /v1/devices with a list', { timeout: 120_000 }, () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { mqttCredentials: true })
  })
  afterAll(async () => {
    await hub?.stop()
    await dir?.cleanup()
  })

  it('10,000 devices with labels in one request: a token each, every one usable, labels on the device', async () => {
    const list = Array.from({ length: 10_000 }, (_, k) => ({ id: `bulk-${k}`, labels: { site: `site-${k % 7}`, model: k % 2 ? 'x2' : 'x1' } }))
    const t = performance.now()
    const r = await api(hub, 'POST', '/v1/devices', undefined, { devices: list })
    const ms = performance.now() - t
    console.log(`bulk provisioning: 10,000 devices in ${ms.toFixed(0)} ms (one request, one LevelDB batch)`)
    expect(r.status).toBe(201)
    expect(r.body.devices).toHaveLength(10_000)
    expect(new Set(r.body.devices.map((d: { token: string }) => d.token)).size).toBe(10_000)
    expect(r.body.devices[1234]).toMatchObject({ id: 'bulk-1234' })
    for (const k of [0, 4321, 9999]) {
      const c = await connect(hub.mqttUrl, { clientId: `bulk-${k}`, username: `bulk-${k}`, password: r.body.devices[k].token })
      await c.endAsync()
    }
    expect((await hub.get('/v1/devices/bulk-4321')).body.labels).toEqual({ site: 'site-2', model: 'x2' })
    expect((await hub.get('/v1/devices?label.site=site-3&limit=1')).body.total).toBe(Math.ceil((10_000 - 3) / 7))
  })

  it('a bad, repeated or taken id refuses the whole list naming the entry; nothing is written', async () => {
    const bad = await api(hub, 'POST', '/v1/devices', undefined, { devices: [{ id: 'ok-1' }, { id: 'ok-2' }, { id: 'bad/id' }] })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toMatch(/devices\[2\]\.id/)
    const twice = await api(hub, 'POST', '/v1/devices', undefined, { devices: [{ id: 'ok-1' }, { id: 'ok-1' }] })
    expect(twice.status).toBe(409)
    expect(twice.body.error.message).toMatch(/devices\[1\]\.id.*twice/)
    const taken = await api(hub, 'POST', '/v1/devices', undefined, { devices: [{ id: 'ok-1' }, { id: 'bulk-7' }] })
    expect(taken.status).toBe(409)
    expect(taken.body.error.message).toMatch(/devices\[1\]\.id.*bulk-7/)
    const label = await api(hub, 'POST', '/v1/devices', undefined, { devices: [{ id: 'ok-1', labels: { 'bad label': 'x' } }] })
    expect(label.status).toBe(400)
    expect(label.body.error.message).toMatch(/^devices\.0\.labels/)
    expect((await hub.get('/v1/devices/ok-1')).status).toBe(404)
    // rotate gives listed devices new tokens; the old ones stop working.
    const rotated = await api(hub, 'POST', '/v1/devices', undefined, { devices: [{ id: 'bulk-7', rotate: true }] })
    expect(rotated.status).toBe(201)
    await connect(hub.mqttUrl, { clientId: 'bulk-7', username: 'bulk-7', password: rotated.body.devices[0].token }).then((c) => c.endAsync())
  })
})
