import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir, waitFor } from '../helpers/temp.js'
import { redisServer, type RedisServer } from '../helpers/redis.js'
import { postgresServer, type PostgresServer } from '../helpers/postgres.js'
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
})
