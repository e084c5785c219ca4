import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { spawnOutpost, runOutpost, type Proc } from '../helpers/processes.js'
import { tempDir, waitFor } from '../helpers/temp.js'

const TOKEN = 'e2e-admin-token-0123456789abcdef'

describe('built CLI: `outpost hub` and `outpost agent` as separate processes', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: Proc
  let agent: Proc | undefined
  let api = ''

  beforeAll(async () => {
    dir = await tempDir()
    hub = spawnOutpost(['hub', '--host', '127.0.0.1', '--mqtt-port', '0', '--http-port', '0', '--data', join(dir.dir, 'hub')], {
      OUTPOST_ADMIN_TOKEN: TOKEN,
    })
    const m = await hub.waitFor(/MQTT on 127\.0\.0\.1:(\d+), API on (http:\/\/127\.0\.0\.1:\d+)/)
    api = m[2]
    // The hub requires credentials: the device is provisioned with the CLI, as an operator would.
    const added = await runOutpost(['device', 'add', 'e2e-device', '--api', api, '--token', TOKEN])
    expect(added.code, added.output).toBe(0)
    const deviceToken = added.output.trim().split('\n').pop()!
    agent = spawnOutpost(['agent', '--hub', `mqtt://127.0.0.1:${m[1]}`, '--id', 'e2e-device', '--interval', '1s', '--listen', '127.0.0.1:0', '--data', join(dir.dir, 'agent')], {
      OUTPOST_TOKEN: deviceToken,
    })
  })

  afterAll(async () => {
    await agent?.stop()
    await hub?.stop()
    await dir.cleanup()
  })

  const get = async (path: string) => {
    const res = await fetch(api + path, { headers: { authorization: `Bearer ${TOKEN}` } })
    return { status: res.status, body: (await res.json()) as any }
  }

  it('lists the device online and returns its system metrics over HTTP', async () => {
    const devices = await waitFor(async () => {
      const r = await get('/v1/devices')
      return r.body.devices?.find((d: any) => d.id === 'e2e-device' && d.online)
    }, 20_000, 'device online')
    expect(devices.host).toBeTruthy()
    const q = await waitFor(async () => {
      const r = await get('/v1/metrics/query?name=system_cpu_usage_ratio&from=-5m')
      return r.body.series?.length > 0 && r.body
    }, 20_000, 'cpu points')
    const value = q.series[0].points[0][1]
    expect(value).toBeGreaterThanOrEqual(0)
    expect(value).toBeLessThanOrEqual(1)
    const stats = await get('/v1/metrics/stats?name=system_memory_total_bytes&device=e2e-device&from=-5m')
    expect(stats.body.count).toBeGreaterThan(0)
    expect(stats.body.min).toBeGreaterThan(0)
  })

  it("the agent's local listener serves /healthz and its own metrics", async () => {
    const m = await agent!.waitFor(/local listener on (http:\/\/127\.0\.0\.1:\d+)/)
    expect((await fetch(`${m[1]}/healthz`)).status).toBe(200)
    const text = await waitFor(async () => {
      const t = await (await fetch(`${m[1]}/metrics`)).text()
      return /outpost_agent_batches_acked_total [1-9]/.test(t) && t
    }, 10_000, 'acked batches in agent metrics')
    expect(text).toMatch(/outpost_agent_connected 1/)
    expect(text).toMatch(/outpost_agent_bytes_sent_total [1-9]/)
    expect(text).toMatch(/outpost_agent_dropped_batches_total\{reason="buffer_full"\} 0/)
  })

  it('SIGTERM stops the agent cleanly and marks the device offline', async () => {
    expect(await agent!.stop('SIGTERM')).toBe(0)
    agent = undefined
    await waitFor(async () => (await get('/v1/devices/e2e-device')).body.online === false, 10_000, 'offline')
  })

  it('a bad setting stops the program with a message naming the key', async () => {
    const r = await runOutpost(['agent', '--interval', 'soon', '--data', join(dir.dir, 'bad')])
    expect(r.code).toBe(2)
    expect(r.output).toMatch(/"interval".*flag --interval/)
  })
})
