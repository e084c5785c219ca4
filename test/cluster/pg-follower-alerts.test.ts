import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir, waitFor } from '../helpers/temp.js'
import { redisServer, type RedisServer } from '../helpers/redis.js'
import { postgresServer, psql, type PostgresServer } from '../helpers/postgres.js'
import { mosquittoSub, TestDevice, untilSubscribed } from '../helpers/alerts.js'
import { startReceiver } from '../helpers/webhook-receiver.js'
import { addDevice, addOperator, startHub, type HubProc } from './cluster-support.js'
import { slowRedisProxy, type SlowRedisProxy } from './slow-redis-proxy.js'

const RULES = `
- id: temp-high
  kind: threshold
  metric: follower_temp
  agg: last
  op: ">"
  threshold: 5
  severity: high
- id: flip-high
  kind: threshold
  metric: flip_temp
  agg: last
  op: ">"
  threshold: 5
  severity: high
`

const LEADS = /leader: this hub is the leader/
const REDIS_UP = /cluster: connected to Redis/

/** Connects as the device, retrying while the hub has not yet seen its credentials (read from the store ≤ 1/s). */
async function connectDevice(mqttUrl: string, id: string, token: string): Promise<TestDevice> {
  return waitFor(() => TestDevice.connect(mqttUrl, id, token).catch(() => undefined), 30_000, `${id} connected`)
}

// A device connected to a follower: the follower stores its batches and hands them to the leader's alert engine over
// the cluster bus (docs/cluster.md, "Ingest-time evaluation"). Redis answers each new connection only after 4 s, as
// a loaded or distant Redis does: the hubs subscribe to the bus while their connections are still in the handshake.
describe('alerts on a device connected to a follower hub', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let pg: PostgresServer
  let redis: RedisServer
  let proxy: SlowRedisProxy
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  const hubs: HubProc[] = []
  const subs: Array<ReturnType<typeof mosquittoSub>> = []
  const devices: TestDevice[] = []
  let flags: string[]

  beforeAll(async () => {
    dir = await tempDir('outpost-pg-follower-')
    pg = await postgresServer(dir.dir)
    redis = await redisServer(dir.dir)
    proxy = await slowRedisProxy(redis.port, 4_000)
    receiver = await startReceiver()
    const config = join(dir.dir, 'hub.yaml')
    await writeFile(config, `notifiers:\n  - {kind: webhook, url: "http://127.0.0.1:${receiver.port}/hook", backoffMin: 200ms, backoffMax: 400ms}\n`)
    const rules = join(dir.dir, 'rules.yaml')
    await writeFile(rules, RULES)
    flags = ['--store', pg.url(), '--cluster', proxy.url, '--config', config, '--rules', rules]
  }, 180_000)

  afterAll(async () => {
    for (const s of subs) await s.stop()
    for (const d of devices) await d.close().catch(() => {})
    await Promise.all(hubs.map((h) => h.proc.stop('SIGKILL')))
    await receiver?.close()
    await proxy?.close()
    await redis?.kill()
    await pg?.stop()
    await dir?.cleanup()
  }, 60_000)

  it('fires and resolves once, on MQTT and on the webhook, when the batches arrive at a follower', async () => {
    const env = { OUTPOST_ALERTS_EVAL_INTERVAL: '200ms' }
    const a = await startHub(dir.dir, 'hub-a', flags, env)
    hubs.push(a)
    await a.proc.waitFor(LEADS, 30_000)
    const b = await startHub(dir.dir, 'hub-b', flags, env)
    hubs.push(b)
    await a.proc.waitFor(REDIS_UP, 30_000)
    await b.proc.waitFor(REDIS_UP, 30_000)
    const token = await addDevice(a, 'pump-9')
    const watchA = mosquittoSub(a.mqtt, { name: 'ops-a', token: await addOperator(a, 'ops-a') })
    const watchB = mosquittoSub(b.mqtt, { name: 'ops-b', token: await addOperator(a, 'ops-b') })
    subs.push(watchA, watchB)
    await untilSubscribed(watchA)
    await untilSubscribed(watchB)

    const onB = await connectDevice(b.mqtt, 'pump-9', token)
    devices.push(onB)
    await onB.gauge('follower_temp', 7)
    await waitFor(() => receiver.accepted.length >= 1, 60_000, 'the firing webhook')
    await onB.gauge('follower_temp', 1)
    await waitFor(() => receiver.accepted.length >= 2, 60_000, 'the resolved webhook')
    // Time for any repeat to show up (evaluation runs every 200 ms, webhook retries every 200–400 ms).
    await new Promise((r) => setTimeout(r, 3_000))

    expect(b.proc.output()).not.toMatch(LEADS)
    expect(await b.metric('outpost_hub_batches_total')).toBe(2)
    expect(await a.metric('outpost_hub_batches_total')).toBe(0)
    const posts = receiver.accepted.map((p) => p.alerts[0])
    expect(posts.map((p) => [p.state, p.device, p.value])).toEqual([
      ['firing', 'pump-9', 7],
      ['resolved', 'pump-9', 1],
    ])
    for (const watch of [watchA, watchB]) {
      const seen = watch.alerts().filter((m) => m.alert.rule === 'temp-high' && m.alert.notification && !m.retained)
      expect(seen.map((m) => [m.alert.state, m.alert.notification])).toEqual([
        ['firing', posts[0].notification],
        ['resolved', posts[1].notification],
      ])
    }
  }, 240_000)

  // Exactly once across a failover (docs/cluster.md, "Ingest-time evaluation"): the follower keeps each stored batch in
  // the hand-over inbox before acking it; the leader deletes it in the write of the step that evaluated it. The
  // device sends 7, 1, 7, 1, 7, 1, each once the previous one was announced; the leader (A) is killed -9 just before
  // the second 7, so B stores it while A is gone and B does not lead yet: its notice over the bus reaches no engine.
  // B leads within seconds and evaluates what no leader did.
  it('a leader killed -9 while a follower hands it a batch: every batch evaluated once, no notification lost or repeated', async () => {
    const [a, b] = hubs
    const onB = devices[0]
    const flips = (state: string) => {
      const ids = new Set(receiver.accepted.map((p) => p.alerts[0]).filter((x) => x.rule === 'flip-high' && x.state === state).map((x) => x.notification))
      return ids.size
    }
    for (let round = 1; round <= 3; round++) {
      // Killed before B's notice of the batch reaches it, and before B notices (its lock try is every second).
      if (round === 2) await a.proc.stop('SIGKILL')
      await onB.gauge('flip_temp', 7)
      if (round === 2) {
        expect(b.proc.output()).not.toMatch(LEADS)
        await b.proc.waitFor(LEADS, 20_000)
      }
      await waitFor(() => flips('firing') >= round, 60_000, `firing notification ${round}`)
      await onB.gauge('flip_temp', 1)
      await waitFor(() => flips('resolved') >= round, 60_000, `resolved notification ${round}`)
    }
    await new Promise((r) => setTimeout(r, 3_000))

    // Notifications by id (a webhook delivered just before a kill may be delivered again, with its id): in order,
    // one per batch.
    const seen: string[] = []
    const order: string[] = []
    for (const p of receiver.accepted.map((x) => x.alerts[0]).filter((x) => x.rule === 'flip-high')) {
      if (seen.includes(p.notification)) continue
      seen.push(p.notification)
      order.push(p.state)
    }
    expect(order).toEqual(['firing', 'resolved', 'firing', 'resolved', 'firing', 'resolved'])
    const mqtt = new Set(subs[1].alerts().filter((m) => m.alert.rule === 'flip-high' && m.alert.notification).map((m) => `${m.alert.state} ${m.alert.notification}`))
    expect(mqtt.size).toBe(6)

    // In PostgreSQL: the inbox is empty and the device's 8 batches (2 of the first test, 6 here) are recorded evaluated
    // once each, as the one range [1, 8].
    const tableOf = async (prefix: string) => psql(pg.port, 'outpost', `SELECT name FROM outpost_tables WHERE prefix = '${prefix}'`)
    expect(await psql(pg.port, 'outpost', `SELECT count(*) FROM "${await tableOf('alert-inbox')}"`)).toBe('0')
    expect(await psql(pg.port, 'outpost', `SELECT convert_from(v, 'UTF8') FROM "${await tableOf('alert-evaluated')}"`)).toBe('[[1,8]]')
  }, 300_000)
})
