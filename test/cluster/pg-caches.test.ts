import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir, waitFor } from '../helpers/temp.js'
import { redisServer, type RedisServer } from '../helpers/redis.js'
import { postgresServer, type PostgresServer } from '../helpers/postgres.js'
import { TestDevice } from '../helpers/alerts.js'
import { addDevice, startHub, type HubProc } from './cluster-support.js'

/** Connects as the device, retrying while the hub has not yet seen its credentials (read from the store ≤ 1/s). */
async function connectDevice(mqttUrl: string, id: string, token: string): Promise<TestDevice> {
  return waitFor(() => TestDevice.connect(mqttUrl, id, token).catch(() => undefined), 30_000, `${id} connected`)
}

// The hubs' in-memory caches over one PostgreSQL store (docs/cluster.md, "Caches over a shared store"), each checked
// through the other hub.
describe('caches of two hubs on one PostgreSQL store', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let pg: PostgresServer
  let redis: RedisServer
  const hubs: HubProc[] = []
  const devices: TestDevice[] = []

  beforeAll(async () => {
    dir = await tempDir('outpost-pg-caches-')
    pg = await postgresServer(dir.dir)
    redis = await redisServer(dir.dir)
    const flags = ['--store', pg.url(), '--cluster', redis.url]
    const env = { OUTPOST_LIMITS_SERIES_PER_DEVICE: '3' }
    hubs.push(await startHub(dir.dir, 'hub-a', flags, env))
    hubs.push(await startHub(dir.dir, 'hub-b', flags, env))
  }, 180_000)

  afterAll(async () => {
    for (const d of devices) await d.close().catch(() => {})
    await Promise.all(hubs.map((h) => h.proc.stop('SIGKILL')))
    await redis?.kill()
    await pg?.stop()
    await dir?.cleanup()
  }, 60_000)

  it('the device list of each hub shows the devices added on, connected to and moved between both, with their counters', async () => {
    const [a, b] = hubs
    const tokenA = await addDevice(a, 'list-a')
    const tokenB = await addDevice(b, 'list-b')
    await addDevice(b, 'list-idle') // added on B, never connected
    const onA = await connectDevice(a.mqtt, 'list-a', tokenA)
    const onB = await connectDevice(b.mqtt, 'list-b', tokenB)
    devices.push(onA, onB)
    for (let i = 0; i < 3; i++) {
      await onA.gauge('list_temp', i)
      await onB.gauge('list_temp', i)
    }
    const batchesOn = async (hub: HubProc) => {
      const r = await hub.call('GET', '/v1/devices')
      return Object.fromEntries((r.body.devices ?? r.body).map((d: any) => [d.id, d.counters?.batches ?? 0]))
    }
    // Records are written every 5 s by the hub a device is connected to; a list reads the store at most once a second.
    for (const hub of [a, b]) {
      await waitFor(async () => {
        const seen = await batchesOn(hub)
        return seen['list-a'] === 3 && seen['list-b'] === 3 && seen['list-idle'] === 0
      }, 30_000, `hub ${hub.api} lists both hubs' devices`)
    }
    // list-a moves to B and sends 2 more: A's list follows.
    await onA.close()
    const moved = await connectDevice(b.mqtt, 'list-a', tokenA)
    devices.push(moved)
    await moved.gauge('list_temp', 9)
    await moved.gauge('list_temp', 10)
    await waitFor(async () => (await batchesOn(a))['list-a'] === 5, 30_000, 'A lists the moved device with 5 batches')
    expect((await a.call('GET', '/v1/devices/list-a')).body.counters.batches).toBe(5)
  }, 180_000)

  it('a device moving to the other hub keeps its series limit: what it made on the first hub counts on the second', async () => {
    const [a, b] = hubs
    const token = await addDevice(a, 'lim-1')
    const onA = await connectDevice(a.mqtt, 'lim-1', token)
    devices.push(onA)
    const series = (...s: number[]) => ({ metrics: s.map((n) => ({ name: 'lim_temp', labels: { s: String(n) }, value: n })) })
    await onA.send(series(1, 2))
    await onA.close()
    const onB = await connectDevice(b.mqtt, 'lim-1', token)
    devices.push(onB)
    // Limit 3: s=1 and s=2 exist (made on A), s=3 is new and fits, s=4 is over.
    const before = await b.metric('outpost_hub_batches_total')
    await onB.send(series(1, 3, 4))
    // B stores the batch once A let the device go (claims): then the refusal is counted.
    await waitFor(async () => (await b.metric('outpost_hub_batches_total')) > before, 60_000, 'B stored the batch').catch((err) => { throw new Error(`${err}\nB:\n${b.proc.output().slice(-3000)}\nA:\n${a.proc.output().slice(-2000)}`) })
    expect(await b.metric('outpost_hub_limited_total{reason="too_many_series"}')).toBe(1)
    expect(await a.metric('outpost_hub_limited_total{reason="too_many_series"}')).toBe(0)
    for (const hub of [a, b]) {
      await waitFor(async () => {
        const r = await hub.call('GET', '/prometheus/api/v1/series?match[]=lim_temp')
        return r.body.data?.length === 3
      }, 15_000, `${hub.api} sees 3 series of lim-1`).catch(async (err) => { throw new Error(`${err} ${JSON.stringify((await hub.call('GET', '/prometheus/api/v1/series?match[]=lim_temp')).body).slice(0, 600)}`) })
    }
  }, 120_000)
})
