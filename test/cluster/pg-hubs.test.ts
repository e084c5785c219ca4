import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresLevel } from '../../hub/storage/postgres/level.js'
import { LevelMetricStore } from '../../hub/metrics/store/index.js'
import type { Database } from '../../hub/storage/db.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { redisServer, type RedisServer } from '../helpers/redis.js'
import { postgresServer, psql, type PostgresServer } from '../helpers/postgres.js'
import { addDevice, startHub, type HubProc } from './cluster-support.js'
import { COUNTER, FailoverDevice } from './failover-device.js'

// Two `outpost hub --store postgres://… --cluster redis://…` processes on a real PostgreSQL 15 and redis-server
// (docs/cluster.md): one store, devices spread over both hubs, a hub killed with -9 while they deliver.
const DEVICES = 20
const BATCHES = Number(process.env.T16_BATCHES ?? 120)

/** Every value of every device's counter as PostgreSQL holds it, read through a store opened on the database. */
async function valuesInPostgres(url: string, T0: number): Promise<Map<string, number[]>> {
  const db = new PostgresLevel(url) as unknown as Database
  await db.open()
  try {
    const store = new LevelMetricStore(db)
    await store.open()
    const series = await store.series({ name: COUNTER })
    const read = await store.read(series, T0 - 60_000, T0 + (BATCHES + 60) * 1000)
    await store.close()
    return new Map(read.map((s) => [s.series.labels.device, [...s.values].sort((a, b) => a - b)]))
  } finally {
    await db.close()
  }
}

async function stats(hub: HubProc, device: string, T0: number): Promise<{ count: number; sum: number }> {
  const r = await hub.call('GET', `/v1/metrics/stats?name=${COUNTER}&device=${device}&from=${T0 - 60_000}&to=${T0 + (BATCHES + 60) * 1000}`)
  if (r.status !== 200) throw new Error(`stats ${device}: ${r.status} ${JSON.stringify(r.body)}`)
  return { count: r.body.count, sum: r.body.sum }
}

describe('two hubs on one PostgreSQL store', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let pg: PostgresServer
  let redis: RedisServer
  const hubs: HubProc[] = []
  const devices: FailoverDevice[] = []
  let flags: string[]

  beforeAll(async () => {
    dir = await tempDir('outpost-pg-hubs-')
    pg = await postgresServer(dir.dir)
    redis = await redisServer(dir.dir)
    flags = ['--store', pg.url(), '--cluster', redis.url]
    // One after the other: the first makes the schema.
    hubs.push(await startHub(dir.dir, 'hub-a', flags))
    hubs.push(await startHub(dir.dir, 'hub-b', flags))
  }, 180_000)

  afterAll(async () => {
    for (const d of devices) d.stop()
    await Promise.all(hubs.map((h) => h.proc.stop()))
    await redis?.kill()
    await pg?.stop()
    await dir?.cleanup()
  }, 60_000)

  it('20 devices over both hubs, kill -9 of one during delivery: its devices move to the other, lost 0, duplicated 0, both hubs answer the same', async () => {
    const T0 = Date.now() - 3_600_000
    const [a, b] = hubs
    const urls = () => hubs.map((h) => h.mqtt)
    // Devices are added through hub A only: hub B finds them in the shared store.
    for (let i = 0; i < DEVICES; i++) {
      const id = `dev-${String(i).padStart(2, '0')}`
      devices.push(new FailoverDevice(id, await addDevice(a, id), urls, i % 2, BATCHES, T0))
    }
    await Promise.all(devices.map((d) => d.start()))
    // Mid-delivery: every device has some batches acked, none is done.
    await waitFor(() => devices.every((d) => d.acked >= 10), 60_000, 'first acks on both hubs')
    expect(devices.some((d) => d.done)).toBe(false)
    await a.proc.stop('SIGKILL')
    const onA = devices.filter((d) => d.hubsUsed[0] === 0)
    await waitFor(() => devices.every((d) => d.done), 120_000, 'every batch acked')
    // The devices of the killed hub moved to hub B.
    for (const d of onA) expect(d.hubsUsed).toContain(1)

    // PostgreSQL holds every value once: 1..BATCHES for each device.
    const expected = Array.from({ length: BATCHES }, (_, k) => k + 1)
    const stored = await valuesInPostgres(pg.url(), T0)
    expect([...stored.keys()].sort()).toEqual(devices.map((d) => d.id).sort())
    for (const d of devices) expect(stored.get(d.id), d.id).toEqual(expected)

    // Hub A back (same flags), then queries through either hub are equal, and right.
    hubs[0] = await startHub(dir.dir, 'hub-a', flags)
    const sum = (BATCHES * (BATCHES + 1)) / 2
    for (const d of devices) {
      await waitFor(async () => (await stats(hubs[0], d.id, T0)).count === BATCHES, 30_000, `hub A sees ${d.id}`)
      expect(await stats(hubs[0], d.id, T0)).toEqual({ count: BATCHES, sum })
      expect(await stats(b, d.id, T0)).toEqual({ count: BATCHES, sum })
    }
  }, 300_000)

  it('PostgreSQL restarted under load: the hubs stop acking, the devices keep their batches, and after it returns nothing is lost', async () => {
    const T0 = Date.now() - 2 * 3_600_000
    const urls = () => hubs.map((h) => h.mqtt)
    const mine: FailoverDevice[] = []
    for (let i = 0; i < 10; i++) {
      const id = `pgr-${String(i).padStart(2, '0')}`
      mine.push(new FailoverDevice(id, await addDevice(hubs[1], id), urls, i % 2, BATCHES, T0))
    }
    devices.push(...mine)
    await Promise.all(mine.map((d) => d.start()))
    await waitFor(() => mine.every((d) => d.acked >= 5), 60_000, 'first acks')
    await pg.stop()
    // Acks stop: what was acked when the store went away no longer grows (a write in flight may still finish).
    await new Promise((r) => setTimeout(r, 1_000))
    const frozen = mine.map((d) => d.acked)
    await new Promise((r) => setTimeout(r, 3_000))
    expect(mine.map((d) => d.acked)).toEqual(frozen)
    expect(mine.some((d) => d.done)).toBe(false)
    await pg.start()
    await waitFor(() => mine.every((d) => d.done), Number(process.env.T16_WAIT ?? 120_000), 'every batch acked after PostgreSQL returned').catch(async (err) => {
      const activity = await psql(pg.port, 'outpost', "SELECT application_name, state, left(query, 60), now() - state_change FROM pg_stat_activity WHERE datname = 'outpost'")
      throw new Error(`${activity}\n` + `${err.message}\nacked: ${mine.map((d) => d.acked).join(',')}\nhub A:\n${hubs[0].proc.output().slice(-3000)}\nhub B:\n${hubs[1].proc.output().slice(-3000)}`)
    })
    const expected = Array.from({ length: BATCHES }, (_, k) => k + 1)
    const stored = await valuesInPostgres(pg.url(), T0)
    for (const d of mine) expect(stored.get(d.id), d.id).toEqual(expected)
    // Both hubs still answer, the same.
    const sum = (BATCHES * (BATCHES + 1)) / 2
    for (const d of mine) {
      await waitFor(async () => (await stats(hubs[0], d.id, T0)).count === BATCHES, 30_000, `hub A sees ${d.id}`)
      expect(await stats(hubs[1], d.id, T0)).toEqual({ count: BATCHES, sum })
    }
  }, 300_000)
})
