import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { encodeBatch } from '../../../protocol/codec.js'
import { PROTOCOL_VERSION, type LogRecord } from '../../../protocol/batch.js'
import { topics } from '../../../protocol/topics.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { makeTestAgent } from '../../helpers/agent.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import type { Agent } from '../../../agent/agent.js'

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736'
const SPAN = '00f067aa0ba902b7'

describe('GET /v1/logs and /v1/logs/errors (agent → MQTT → hub → LevelDB → HTTP)', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  let agent: Agent | undefined

  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
  })
  afterEach(async () => {
    await agent?.stop()
    agent = undefined
    await hub.stop()
    await dir.cleanup()
  })

  async function sendThroughAgent(records: LogRecord[]): Promise<void> {
    agent = makeTestAgent(dir.dir, hub.mqttUrl)
    await agent.start()
    await agent.accept({ l: records })
    await waitFor(async () => (await hub.get(`/v1/logs?device=dev-1&limit=1000`)).body.logs?.length === records.length, 10_000, 'logs stored')
  }

  it('filters, full-text search and paging over logs an agent sent', async () => {
    const now = Date.now()
    await sendThroughAgent([
      { ts: now - 5000, level: 'debug', message: 'polling modbus register 40001', component: 'modbus' },
      { ts: now - 4000, level: 'info', message: 'upload finished in 320 ms', component: 'uploader', traceId: TRACE, spanId: SPAN, attrs: { bytes: 2048 } },
      { ts: now - 3000, level: 'warning', message: 'upload slow: retrying connection', component: 'uploader' },
      { ts: now - 2000, level: 'error', message: 'Connection refused by 10.0.0.7', component: 'uploader' },
      { ts: now - 1000, level: 'critical', message: 'modbus device not responding', component: 'modbus' },
    ])
    const messages = async (query: string) => {
      const res = await hub.get(`/v1/logs?${query}`)
      expect(res.status, JSON.stringify(res.body)).toBe(200)
      return res.body.logs.map((l: { message: string }) => l.message)
    }
    const all = await hub.get('/v1/logs?from=-1h')
    expect(all.body.next).toBeNull()
    expect(all.body.logs[3]).toEqual({
      ts: now - 4000, device: 'dev-1', level: 'info', component: 'uploader', message: 'upload finished in 320 ms',
      attrs: { bytes: 2048 }, traceId: TRACE, spanId: SPAN,
    })
    expect(all.body.logs.map((l: { ts: number }) => l.ts)).toEqual([1000, 2000, 3000, 4000, 5000].map((d) => now - d))

    expect(await messages('level=warning')).toEqual(['modbus device not responding', 'Connection refused by 10.0.0.7', 'upload slow: retrying connection'])
    expect(await messages('level=debug,critical')).toEqual(['modbus device not responding', 'polling modbus register 40001'])
    expect(await messages('component=uploader&level=error')).toEqual(['Connection refused by 10.0.0.7'])
    expect(await messages('q=CONNECTION')).toEqual(['Connection refused by 10.0.0.7', 'upload slow: retrying connection'])
    expect(await messages('q=upload%20connection')).toEqual(['upload slow: retrying connection'])
    expect(await messages(`q=modbus&device=dev-1&from=${now - 1500}`)).toEqual(['modbus device not responding'])
    expect(await messages('q=modbus&device=other')).toEqual([])
    expect(await messages(`from=${now - 4000}&to=${now - 2000}`)).toHaveLength(3)

    const first = await hub.get('/v1/logs?limit=2')
    expect(first.body.logs.map((l: { ts: number }) => l.ts)).toEqual([now - 1000, now - 2000])
    const second = await hub.get(`/v1/logs?limit=2&cursor=${first.body.next}`)
    expect(second.body.logs.map((l: { ts: number }) => l.ts)).toEqual([now - 3000, now - 4000])
    const third = await hub.get(`/v1/logs?limit=2&cursor=${second.body.next}`)
    expect(third.body).toEqual({ logs: [expect.objectContaining({ ts: now - 5000 })], next: null })
  })

  it('summarises errors by fingerprint, the same after a hub restart', async () => {
    const now = Date.now()
    await sendThroughAgent([
      { ts: now - 3000, level: 'error', message: 'request 7f3a9c21e4 failed: timeout after 3000 ms', component: 'api' },
      { ts: now - 2000, level: 'error', message: 'request 0b1c2d3e4f failed: timeout after 5000 ms', component: 'api' },
      { ts: now - 1000, level: 'critical', message: 'disk /data full', component: 'storage' },
      { ts: now - 500, level: 'warning', message: 'request 99aa88bb77 failed: timeout after 1 ms', component: 'api' },
    ])
    const summary = await hub.get('/v1/logs/errors?from=-1h')
    expect(summary.status).toBe(200)
    expect(summary.body.errors).toEqual([
      {
        fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/), pattern: 'request <hex> failed: timeout after <num> ms',
        message: 'request 0b1c2d3e4f failed: timeout after 5000 ms', component: 'api', level: 'error',
        count: 2, firstSeen: now - 3000, lastSeen: now - 2000, devices: ['dev-1'],
      },
      expect.objectContaining({ pattern: 'disk /data full', component: 'storage', level: 'critical', count: 1 }),
    ])
    await agent!.stop()
    agent = undefined
    await hub.stop()
    hub = await startTestHub(dir.dir)
    expect((await hub.get('/v1/logs/errors')).body).toEqual(summary.body)
    expect((await hub.get('/v1/logs/errors?from=-1h')).body).toEqual(summary.body)
    expect((await hub.get('/v1/logs/errors?device=dev-2')).body).toEqual({ errors: [] })
  })

  it('a batch delivered twice is stored once', async () => {
    const client = await mqtt.connectAsync(hub.mqttUrl, { clientId: 'raw-1', username: 'raw-1' })
    try {
      let acks = 0
      await client.subscribeAsync(topics.ack('raw-1'), { qos: 1 })
      client.on('message', () => acks++)
      const payload = Buffer.from(encodeBatch({
        v: PROTOCOL_VERSION, dev: 'raw-1', ep: 'e1', seq: 1, at: Date.now(),
        l: [{ ts: Date.now(), level: 'error', message: 'sent twice' }],
      }))
      await client.publishAsync(topics.telemetry('raw-1'), payload, { qos: 1 })
      await client.publishAsync(topics.telemetry('raw-1'), payload, { qos: 1 })
      await waitFor(() => acks === 2, 10_000, 'both acks')
    } finally {
      await client.endAsync()
    }
    expect((await hub.get('/v1/logs?device=raw-1')).body.logs).toHaveLength(1)
    expect((await hub.get('/v1/logs/errors?device=raw-1')).body.errors[0].count).toBe(1)
  })

  it('answers 400 naming the parameter for bad and unknown parameters', async () => {
    const cases: Array<[string, string, string]> = [
      ['/v1/logs?level=verbose', 'bad_parameter', 'level'],
      ['/v1/logs?level=error,loud', 'bad_parameter', 'loud'],
      ['/v1/logs?limit=0', 'bad_parameter', 'limit'],
      ['/v1/logs?limit=1001', 'bad_parameter', 'limit'],
      ['/v1/logs?limit=ten', 'bad_parameter', 'limit'],
      ['/v1/logs?q=a', 'bad_parameter', 'q'],
      ['/v1/logs?cursor=bm90LWEtY3Vyc29y', 'bad_parameter', 'cursor'],
      ['/v1/logs?from=yesterday', 'bad_parameter', 'from'],
      ['/v1/logs?from=-1h&to=-2h', 'bad_parameter', 'from'],
      ['/v1/logs?device=a/b', 'bad_parameter', 'device'],
      ['/v1/logs?device=a&device=b', 'bad_parameter', 'device'],
      ['/v1/logs?levle=error', 'unknown_parameter', 'levle'],
      ['/v1/logs/errors?q=boom', 'unknown_parameter', 'q'],
      ['/v1/logs/errors?to=soon', 'bad_parameter', 'to'],
    ]
    for (const [path, code, named] of cases) {
      const res = await hub.get(path)
      expect(res.status, path).toBe(400)
      expect(res.body.error.code, path).toBe(code)
      expect(res.body.error.message, path).toContain(named)
    }
  })
})
