import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { api } from '../../security/support.js'
import type { RunningAgent } from '../../../cli/agent-runtime.js'
import { deviceWhen, putConfig, startRemoteAgent } from './harness.js'

// Issue 19: remote configuration over outpost/v1/{id}/cmd, applied without a restart, kept on disk, refused with the
// field named, rolled back when it breaks the uplink, pinned keys kept. Real hub, broker, LevelDB and agents.
describe('remote agent configuration', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  const agents: RunningAgent[] = []
  const start = async (...args: Parameters<typeof startRemoteAgent> extends [any, any, ...infer R] ? R : never) => {
    const a = await startRemoteAgent(hub, dir.dir, ...args)
    agents.push(a)
    return a
  }

  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
  })
  afterAll(async () => {
    for (const a of agents) await a.stop().catch(() => {})
    await hub?.stop()
    await dir?.cleanup()
  })

  it('applies a new interval without a restart: stored timestamps step by the new interval', async () => {
    const agent = await start('cfg-1')
    await deviceWhen(hub, 'cfg-1', (d) => d.online, 'agent online')
    const put = await putConfig(hub, 'cfg-1', { interval: '500ms' })
    expect(put.status).toBe(200)
    expect(put.body.desired.version).toBe(1)
    const device = await deviceWhen(hub, 'cfg-1', (d) => d.config.appliedVersion === 1, 'applied version 1')
    expect(device.config).toMatchObject({ desiredVersion: 1, appliedVersion: 1, error: null })
    expect(agent.agent.intervalMs).toBe(500)
    const appliedAt = Date.now()
    // Within one old interval (2 s) of applying, samples arrive 500 ms apart: the same process, a new schedule.
    const points = await waitFor(
      async () => {
        const r = await hub.get(`/v1/metrics/query?name=system_uptime_seconds&device=cfg-1&step=100&agg=last&from=${appliedAt - 100}`)
        const pts: number[] = (r.body.series?.[0]?.points ?? []).map((p: [number, number]) => p[0])
        return pts.length >= 8 ? pts : undefined
      },
      20_000,
      'eight samples after the change',
    )
    // Every step is on the new 500 ms schedule (a tick missed under load makes one 1,000 ms step, never an old 2 s one).
    const steps = points.slice(1).map((t, i) => t - points[i])
    expect(steps.every((s) => s % 500 === 0 && s < 2_000), steps.join(',')).toBe(true)
    expect(steps.filter((s) => s === 500).length).toBeGreaterThanOrEqual(3)
    expect(points[0] - appliedAt).toBeLessThan(2_000)
  })

  it('refuses a bad config naming the field and keeps the old one', async () => {
    const agent = await start('cfg-2')
    await deviceWhen(hub, 'cfg-2', (d) => d.online, 'agent online')
    await putConfig(hub, 'cfg-2', { interval: '3s' })
    await deviceWhen(hub, 'cfg-2', (d) => d.config.appliedVersion === 1, 'version 1 applied')

    expect((await putConfig(hub, 'cfg-2', { interval: 'soon' })).status).toBe(200)
    let d = await deviceWhen(hub, 'cfg-2', (x) => x.config.error?.version === 2, 'version 2 refused')
    expect(d.config).toMatchObject({ desiredVersion: 2, appliedVersion: 1, error: { field: 'interval' } })
    expect(d.config.error.message).toMatch(/duration/)

    await putConfig(hub, 'cfg-2', { health: [{ name: 'api', kind: 'http' }] })
    d = await deviceWhen(hub, 'cfg-2', (x) => x.config.error?.version === 3, 'version 3 refused')
    expect(d.config.error.field).toBe('health[0].url')
    expect(d.config.appliedVersion).toBe(1)
    expect(agent.agent.intervalMs).toBe(3_000)
    expect(agent.agent.healthChecks).toHaveLength(0)

    // The hub refuses what the protocol cannot carry before storing anything.
    const bad = await putConfig(hub, 'cfg-2', { listen: '0.0.0.0:1' })
    expect(bad.status).toBe(400)
    expect(bad.body.error.message).toMatch(/^config\.listen: is not remotely configurable/)
    expect((await api(hub, 'PUT', '/v1/devices/nobody/config', undefined, { config: {} })).status).toBe(404)

    // A good config after refusals is applied, and clears the error.
    await putConfig(hub, 'cfg-2', { interval: '4s', health: [{ name: 'hub-mqtt', kind: 'tcp', host: '127.0.0.1', port: hub.hub.mqttPort }] })
    d = await deviceWhen(hub, 'cfg-2', (x) => x.config.appliedVersion === 4, 'version 4 applied')
    expect(d.config.error).toBeNull()
    expect(agent.agent.healthChecks.map((c) => c.name)).toEqual(['hub-mqtt'])
    await waitFor(async () => JSON.stringify((await hub.get('/v1/health?device=cfg-2')).body).includes('hub-mqtt'), 20_000, 'health result stored')
  })

  it('an offline agent gets its config on reconnect, and keeps it on disk across restarts', async () => {
    let agent = await start('cfg-3')
    await deviceWhen(hub, 'cfg-3', (d) => d.online, 'agent online')
    await agent.stop()
    await deviceWhen(hub, 'cfg-3', (d) => !d.online, 'agent offline')
    await putConfig(hub, 'cfg-3', { interval: '700ms', uplink: { maxBytesPerSecond: '2MiB' } })
    agent = await start('cfg-3')
    await deviceWhen(hub, 'cfg-3', (d) => d.config.appliedVersion === 1, 'applied after reconnect')
    expect(agent.agent.intervalMs).toBe(700)
    expect(agent.agent.uplink.limits().maxBytesPerSecond).toBe(2 * 1024 * 1024)
    await agent.stop()
    // Restarted where no hub answers, the agent runs the config it kept on disk.
    agent = await start('cfg-3', { flags: { hub: 'mqtt://127.0.0.1:1' } })
    expect(agent.agent.intervalMs).toBe(700)
    expect(agent.remote!.appliedVersion).toBe(1)
  })

  it('rolls out by label selector to the matching devices only', async () => {
    await start('fleet-a')
    await start('fleet-b')
    await deviceWhen(hub, 'fleet-a', (d) => d.online, 'a online')
    await deviceWhen(hub, 'fleet-b', (d) => d.online, 'b online')
    expect((await api(hub, 'PUT', '/v1/devices/fleet-a/labels', undefined, { labels: { site: 'plant-3', role: 'pump' } })).status).toBe(200)
    expect((await api(hub, 'PUT', '/v1/devices/fleet-b/labels', undefined, { labels: { site: 'plant-4' } })).status).toBe(200)
    const r = await api(hub, 'PUT', '/v1/config?selector=label.site=plant-3', undefined, { config: { interval: '1500ms' } })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ matched: 1, devices: [{ device: 'fleet-a', version: 1 }] })
    const a = await deviceWhen(hub, 'fleet-a', (d) => d.config.appliedVersion === 1, 'fleet-a applied')
    expect(a.labels).toEqual({ site: 'plant-3', role: 'pump' })
    const b = (await api(hub, 'GET', '/v1/devices/fleet-b')).body
    expect(b.config).toMatchObject({ desiredVersion: null, appliedVersion: null })
    expect((await api(hub, 'PUT', '/v1/config?selector=site=plant-3', undefined, { config: {} })).status).toBe(400)
    expect((await api(hub, 'PUT', '/v1/config', undefined, { config: {} })).body.error.message).toMatch(/^selector/)
    const audit = (await api(hub, 'GET', '/v1/audit?from=-1h')).body.entries as Array<{ route: string }>
    expect(audit.some((e) => e.route === '/v1/config')).toBe(true)
  })

  it('rolls back a config that breaks the uplink, and does not apply it again on reconnect', async () => {
    const agent = await start('cfg-4')
    await deviceWhen(hub, 'cfg-4', (d) => d.online, 'agent online')
    // The hub refuses keepalives under 5 s (limits.keepaliveMin): this config cannot connect.
    await putConfig(hub, 'cfg-4', { uplink: { keepalive: 2 } })
    const d = await deviceWhen(hub, 'cfg-4', (x) => x.config.error?.version === 1, 'rollback reported', 30_000)
    expect(d.config.appliedVersion).toBe(0)
    expect(d.config.error.message).toMatch(/rolled back/)
    expect(agent.agent.uplink.limits().keepaliveSeconds).toBe(30)
    expect(agent.remote!.counters.rollbacks).toBe(1)
    await waitFor(() => agent.agent.uplink.connected, 20_000, 'reconnected with the old keepalive')
    // The retained bad config comes again on that reconnect; it is answered, not applied.
    expect(agent.remote!.counters.rollbacks).toBe(1)
    expect(agent.remote!.appliedVersion).toBe(0)
  })

  it('keys pinned by a flag keep their local value; the reply lists them', async () => {
    const agent = await start('cfg-5', { flags: { interval: '2500ms' } })
    await deviceWhen(hub, 'cfg-5', (d) => d.online, 'agent online')
    await putConfig(hub, 'cfg-5', { interval: '1s', uplink: { inflight: 4 } })
    const d = await deviceWhen(hub, 'cfg-5', (x) => x.config.appliedVersion === 1, 'applied')
    expect(d.config.ignored).toEqual(['interval'])
    expect(agent.agent.intervalMs).toBe(2_500)
    expect(agent.agent.uplink.limits().inflight).toBe(4)

    // Trace sampling is remotely configurable, checked by the same parser as the YAML section.
    await putConfig(hub, 'cfg-5', { sampling: { head: { probability: 2 } } })
    const bad = await deviceWhen(hub, 'cfg-5', (x) => x.config.error?.version === 2, 'sampling refused')
    expect(bad.config.error.field).toBe('sampling.head.probability')
    expect(agent.agent.sampler!.keepsAll).toBe(true)
    await putConfig(hub, 'cfg-5', { sampling: { head: { probability: 0.5 } } })
    await deviceWhen(hub, 'cfg-5', (x) => x.config.appliedVersion === 3, 'sampling applied')
    expect(agent.agent.sampler!.keepsAll).toBe(false)
  })
})

describe('remote configuration across a hub restart', () => {
  it('the hub publishes stored configurations again at start (aedes keeps retained messages in memory only)', async () => {
    const dir = await tempDir()
    let hub = await startTestHub(dir.dir)
    let agent: RunningAgent | undefined
    try {
      await hub.hub.credentials.addDevice('late-1', 'test')
      expect((await putConfig(hub, 'late-1', { interval: '900ms' })).status).toBe(200)
      await hub.stop()
      hub = await startTestHub(dir.dir)
      agent = await startRemoteAgent(hub, dir.dir, 'late-1')
      const d = await deviceWhen(hub, 'late-1', (x) => x.config.appliedVersion === 1, 'applied from the republished config')
      expect(d.config.desiredVersion).toBe(1)
      expect(agent.agent.intervalMs).toBe(900)
    } finally {
      await agent?.stop()
      await hub.stop()
      await dir.cleanup()
    }
  })
})
