import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir, waitFor } from '../helpers/temp.js'
import { redisServer, type RedisServer } from '../helpers/redis.js'
import { postgresServer, type PostgresServer } from '../helpers/postgres.js'
import { TestDevice } from '../helpers/alerts.js'
import { startReceiver } from '../helpers/webhook-receiver.js'
import { addDevice, startHub, type HubProc } from './cluster-support.js'

const LEADS = /leader: this hub is the leader/
const REDIS_UP = /cluster: connected to Redis/
const RULE = { id: 'rules-high', kind: 'threshold', metric: 'rules_temp', agg: 'last', op: '>', threshold: 5, severity: 'high' }

async function connectDevice(mqttUrl: string, id: string, token: string): Promise<TestDevice> {
  return waitFor(() => TestDevice.connect(mqttUrl, id, token).catch(() => undefined), 30_000, `${id} connected`)
}

// Rules, silences and acknowledgements changed through a follower's API reach the leader's alert engine, the only
// one that evaluates and notifies (docs/cluster.md, "Caches over a shared store"): a notice on the cluster bus, and a
// re-read of the store every 5 s behind it.
describe('alert rules, silences and acks changed on a follower hub', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let pg: PostgresServer
  let redis: RedisServer
  let receiver: Awaited<ReturnType<typeof startReceiver>>
  const hubs: HubProc[] = []
  let device: TestDevice | undefined

  beforeAll(async () => {
    dir = await tempDir('outpost-pg-rules-')
    pg = await postgresServer(dir.dir)
    redis = await redisServer(dir.dir)
    receiver = await startReceiver()
    const config = join(dir.dir, 'hub.yaml')
    await writeFile(config, `notifiers:\n  - {kind: webhook, url: "http://127.0.0.1:${receiver.port}/hook", backoffMin: 200ms, backoffMax: 400ms}\n`)
    const flags = ['--store', pg.url(), '--cluster', redis.url, '--config', config]
    const env = { OUTPOST_ALERTS_EVAL_INTERVAL: '200ms' }
    const a = await startHub(dir.dir, 'hub-a', flags, env)
    hubs.push(a)
    await a.proc.waitFor(LEADS, 30_000)
    const b = await startHub(dir.dir, 'hub-b', flags, env)
    hubs.push(b)
    await a.proc.waitFor(REDIS_UP, 30_000)
    await b.proc.waitFor(REDIS_UP, 30_000)
  }, 180_000)

  afterAll(async () => {
    await device?.close().catch(() => {})
    await Promise.all(hubs.map((h) => h.proc.stop('SIGKILL')))
    await receiver?.close()
    await redis?.kill()
    await pg?.stop()
    await dir?.cleanup()
  }, 60_000)

  it('a rule made on the follower fires on the leader; an ack and a silence made there apply; its deletion there stops it', async () => {
    const [a, b] = hubs
    const posts = () => receiver.accepted.map((p) => p.alerts[0]).filter((x) => x.rule === RULE.id)
    const alertsOn = async (hub: HubProc, state: string) => (await hub.call('GET', `/v1/alerts?rule=${RULE.id}&state=${state}`)).body.alerts as any[]
    device = await connectDevice(a.mqtt, 'rules-1', await addDevice(a, 'rules-1'))

    // Created on the follower: the leader takes it in (the bus notice; the periodic re-read at the latest).
    const made = Date.now()
    expect((await b.call('POST', '/v1/rules', RULE)).status).toBe(201)
    await waitFor(async () => (await a.call('GET', `/v1/rules/${RULE.id}`)).status === 200, 30_000, 'the rule on the leader')
    console.log(`rule made on the follower listed by the leader after ${Date.now() - made} ms`)
    await device.gauge('rules_temp', 7)
    await waitFor(() => posts().some((p) => p.state === 'firing'), 30_000, 'the firing webhook')

    // Acknowledged on the follower: the leader's alert shows it and keeps it when it writes the alert again.
    const [firing] = await alertsOn(a, 'firing')
    expect((await b.call('POST', `/v1/alerts/${firing.id}/ack`)).status).toBe(200)
    await waitFor(async () => (await alertsOn(a, 'acknowledged')).length === 1, 30_000, 'the ack on the leader')
    await device.gauge('rules_temp', 8)
    await device.gauge('rules_temp', 1)
    await waitFor(() => posts().some((p) => p.state === 'resolved'), 30_000, 'the resolved webhook')
    const acked = (await a.call('GET', `/v1/alerts/${firing.id}`)).body
    expect(acked.acknowledged?.by).toBeTruthy()

    // A silence made on the follower mutes the next firing: the leader keeps the alert silenced, posts nothing.
    const silence = await b.call('POST', '/v1/silences', { matchers: { rule: RULE.id }, reason: 'maintenance', expiresAt: Date.now() + 3_600_000 })
    expect(silence.status).toBe(201)
    await waitFor(async () => (await a.call('GET', '/v1/silences')).body.silences.some((s: any) => s.id === silence.body.id), 30_000, 'the silence on the leader')
    const before = posts().length
    await device.gauge('rules_temp', 9)
    await waitFor(async () => (await alertsOn(a, 'silenced')).length === 1, 30_000, 'the silenced alert on the leader')
    await new Promise((r) => setTimeout(r, 2_000))
    expect(posts().length).toBe(before)

    // Deleted on the follower: the leader resolves its alert and evaluates the rule no more.
    expect((await b.call('DELETE', `/v1/rules/${RULE.id}`)).status).toBe(204)
    await waitFor(async () => (await a.call('GET', `/v1/rules/${RULE.id}`)).status === 404, 30_000, 'the rule gone on the leader')
    await waitFor(async () => (await alertsOn(a, 'silenced')).length === 0, 30_000, 'the silenced alert resolved')
    await device.gauge('rules_temp', 1)
    await device.gauge('rules_temp', 12)
    await new Promise((r) => setTimeout(r, 2_000))
    for (const state of ['pending', 'firing', 'silenced', 'acknowledged']) expect(await alertsOn(a, state)).toEqual([])
    expect(posts().length).toBe(before)
    expect(b.proc.output()).not.toMatch(LEADS)
  }, 240_000)

  // The safety net: with Redis gone the notice is lost; the leader's re-read of the store every 5 s still takes the
  // rule in (the device is on the leader, whose intake and webhook do not need Redis).
  it('with Redis killed, a rule made on the follower still fires on the leader (the periodic re-read)', async () => {
    const [a, b] = hubs
    await redis.kill()
    const rule = { ...RULE, id: 'rules-offline', metric: 'offline_temp' }
    const made = Date.now()
    expect((await b.call('POST', '/v1/rules', rule)).status).toBe(201)
    await waitFor(async () => (await a.call('GET', `/v1/rules/${rule.id}`)).status === 200, 30_000, 'the rule on the leader without Redis')
    console.log(`rule made on the follower without Redis listed by the leader after ${Date.now() - made} ms`)
    await device!.gauge('offline_temp', 7)
    await waitFor(() => receiver.accepted.some((p) => p.alerts[0].rule === rule.id && p.alerts[0].state === 'firing'), 30_000, 'the firing webhook without Redis')
  }, 120_000)
})
