import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { makeTestAgent } from '../../helpers/agent.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import type { Agent } from '../../../agent/agent.js'
import { span } from './trace-harness.js'

// The whole path: a real agent's accept() → LevelDB buffer → MQTT → hub ingest → TraceStore → HTTP API.
describe('GET /v1/traces (real hub and agents)', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  const agents: Agent[] = []
  const t0 = Date.now() - 60_000

  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
    for (const id of ['edge-a', 'edge-b']) {
      const agent = makeTestAgent(join(dir.dir, id), hub.mqttUrl, { id, collectors: [] })
      await agent.start()
      agents.push(agent)
    }
    const [a, b] = agents
    // Trace t-1 split over two batches of edge-a and one of edge-b.
    await a.accept({ s: [span('t-1', 'root', t0, 300, { service: 'gateway', name: 'GET /orders', kind: 'server' })] })
    await a.accept({ s: [span('t-1', 'auth', t0 + 5, 20, { service: 'gateway', name: 'auth', parentSpanId: 'root' })] })
    await b.accept({
      s: [
        span('t-1', 'query', t0 + 30, 250, { service: 'orders', name: 'SELECT orders', parentSpanId: 'root', status: 'error', events: [{ ts: t0 + 100, name: 'timeout' }] }),
        span('t-2', 'root', t0 + 1_000, 40, { service: 'orders', name: 'SELECT orders', status: 'ok' }),
      ],
    })
    await waitFor(async () => (await hub.get('/v1/traces/t-1')).body.spanCount === 3 && (await hub.get('/v1/traces/t-2')).status === 200, 15_000, 'spans at the hub')
  })
  afterAll(async () => {
    for (const agent of agents) await agent.stop()
    await hub.stop()
    await dir.cleanup()
  })

  it('returns one trace as a span tree joined across batches and devices', async () => {
    const { status, body } = await hub.get('/v1/traces/t-1')
    expect(status).toBe(200)
    expect(body).toMatchObject({ traceId: 't-1', rootName: 'GET /orders', rootService: 'gateway', durationMs: 300, spanCount: 3, error: true, devices: ['edge-a', 'edge-b'] })
    expect(body.roots).toHaveLength(1)
    const root = body.roots[0]
    expect(root).toMatchObject({ spanId: 'root', device: 'edge-a', kind: 'server', durationMs: 300 })
    expect(root.children.map((c: any) => [c.spanId, c.device, c.durationMs, c.status])).toEqual([
      ['auth', 'edge-a', 20, 'unset'],
      ['query', 'edge-b', 250, 'error'],
    ])
    expect(root.children[1].events).toEqual([{ ts: t0 + 100, name: 'timeout' }])
  })

  it('lists summaries newest first, filtered', async () => {
    const list = async (query: string) => (await hub.get(`/v1/traces${query}`)).body.traces.map((t: any) => t.traceId)
    expect(await list('')).toEqual(['t-2', 't-1'])
    expect(await list('?service=gateway')).toEqual(['t-1'])
    expect(await list('?service=orders&operation=SELECT%20orders&minDuration=100ms')).toEqual(['t-1'])
    expect(await list('?error=true')).toEqual(['t-1'])
    expect(await list(`?from=${t0 + 500}&to=now`)).toEqual(['t-2'])
    expect(await list('?limit=1')).toEqual(['t-2'])
    const { body } = await hub.get('/v1/traces?service=orders&minDuration=1s')
    expect(body.traces).toEqual([])
  })

  it('answers stats per service and operation', async () => {
    const { status, body } = await hub.get('/v1/traces/stats?service=orders')
    expect(status).toBe(200)
    // Durations 250 and 40: p50 = 145, p95 = 40 + 0.95·210 = 239.5; one error in two.
    expect(body.operations).toEqual([
      { service: 'orders', operation: 'SELECT orders', count: 2, errors: 1, errorRate: 0.5, p50: 145, p95: 239.5, p99: expect.closeTo(247.9, 9) },
    ])
  })

  it('answers 404 for an unknown trace and 400 naming the parameter for bad input', async () => {
    const missing = await hub.get('/v1/traces/no-such-trace')
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
    const cases: Array<[string, string, string]> = [
      ['/v1/traces?minDuration=fast', 'bad_parameter', 'minDuration'],
      ['/v1/traces?error=yes', 'bad_parameter', 'error'],
      ['/v1/traces?limit=0', 'bad_parameter', 'limit'],
      ['/v1/traces?limit=5000', 'bad_parameter', 'limit'],
      ['/v1/traces?from=yesterday', 'bad_parameter', 'from'],
      ['/v1/traces?from=-1h&to=-2h', 'bad_parameter', 'from'],
      ['/v1/traces?service=a&service=b', 'bad_parameter', 'service'],
      ['/v1/traces?service=', 'bad_parameter', 'service'],
      ['/v1/traces?sevice=gateway', 'unknown_parameter', 'sevice'],
      ['/v1/traces/stats?operation=x', 'unknown_parameter', 'operation'],
      ['/v1/traces/stats?to=later', 'bad_parameter', 'to'],
      ['/v1/traces/t-1?depth=2', 'unknown_parameter', 'depth'],
    ]
    for (const [path, code, param] of cases) {
      const { status, body } = await hub.get(path)
      expect({ path, status, code: body.error?.code }).toEqual({ path, status: 400, code })
      expect(body.error.message).toContain(param)
    }
  })

  it('needs a token', async () => {
    const res = await fetch(`${hub.apiUrl}/v1/traces/t-1`)
    expect(res.status).toBe(401)
  })
})
