import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Agent } from '../../../../agent/agent.js'
import { tempDir } from '../../../helpers/temp.js'
import { agentMetric, bufferedBodies, metric, postJson, startIngestAgent } from './ingest-helpers.js'

// No hub listens here: nothing drains, so the buffer shows exactly what each request left behind.
const NO_HUB = 'mqtt://127.0.0.1:9'

describe('POST /v1/ingest on a real agent (LevelDB buffer, HTTP)', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let agent: Agent | undefined
  let url: string

  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await agent?.stop()
    agent = undefined
    await dir.cleanup()
  })
  const start = async (overrides = {}) => ({ agent, url } = await startIngestAgent(dir.dir, NO_HUB, overrides))

  it('accepts every kind and answers only once the data is in the buffer', async () => {
    await start()
    const ts = Date.now()
    const res = await postJson(url, {
      metrics: [metric(1, { ts }), metric(2, { ts: new Date(ts).toISOString() })],
      logs: [{ ts, level: 'warning', component: 'pump', message: 'slow', attrs: { ms: 900 } }],
      spans: [{ traceId: 't1', spanId: 's1', name: 'GET /', start: ts - 5, end: ts, status: 'ok' }],
      health: [{ check: 'db', kind: 'tcp', status: 'healthy', latencyMs: 2 }],
    })
    expect(res).toMatchObject({ status: 200, body: { accepted: { metrics: 2, logs: 1, spans: 1, health: 1 } } })

    const bodies = await bufferedBodies(agent!)
    const merged = Object.assign({}, ...bodies)
    expect(merged.m).toEqual({
      s: [['app_requests_total', 'counter', { route: '/r1' }], ['app_requests_total', 'counter', { route: '/r2' }]],
      i: [0, 1],
      t: [ts, 0],
      v: [1, 2],
    })
    expect(merged.l).toEqual([{ ts, level: 'warning', component: 'pump', message: 'slow', attrs: { ms: 900 } }])
    expect(merged.s).toEqual([{ traceId: 't1', spanId: 's1', name: 'GET /', start: ts - 5, end: ts, status: 'ok' }])
    expect(merged.h).toHaveLength(1)
    expect(merged.h[0]).toMatchObject({ check: 'db', kind: 'tcp', status: 'healthy', latencyMs: 2 })
    expect(merged.h[0].ts).toBeGreaterThanOrEqual(ts) // no ts given: the agent's now

    expect(await agentMetric(url, 'outpost_agent_ingest_requests_total{result="accepted"}')).toBe(1)
    expect(await agentMetric(url, 'outpost_agent_ingest_records_total{kind="metrics"}')).toBe(2)
    expect(await agentMetric(url, 'outpost_agent_ingest_records_total{kind="health"}')).toBe(1)
  })

  it('refuses a request with one bad record among good ones, keeping none of it', async () => {
    await start()
    const metrics = Array.from({ length: 10 }, (_, k) => metric(k))
    metrics.splice(3, 0, metric(99, { type: 'countr' }))
    const res = await postJson(url, { metrics, logs: [{ level: 'info', message: 'fine' }] })
    expect(res.status).toBe(400)
    expect(res.body.error).toEqual({
      code: 'invalid_field',
      message: 'metrics[3].type: expected one of counter|gauge|histogram|summary, got "countr"',
    })
    expect(await bufferedBodies(agent!)).toEqual([])
    expect(agent!.buffer.stats().pending).toBe(0)
    expect(await agentMetric(url, 'outpost_agent_ingest_requests_total{result="invalid_field"}')).toBe(1)
  })

  it('refuses unknown fields, bad JSON and the wrong content type', async () => {
    await start()
    const unknown = await postJson(url, { metrics: [metric(1, { lables: {} })] })
    expect(unknown).toMatchObject({ status: 400, body: { error: { code: 'unknown_field', message: 'metrics[0]: unknown field "lables"' } } })

    const badJson = await postJson(url, '{"metrics": [')
    expect(badJson.status).toBe(400)
    expect(badJson.body.error.code).toBe('bad_json')
    expect(badJson.body.error.message).toMatch(/^body: not valid JSON/)

    const form = await postJson(url, 'metrics=1', { 'content-type': 'application/x-www-form-urlencoded' })
    expect(form).toMatchObject({ status: 415, body: { error: { code: 'unsupported_media_type' } } })
    expect(form.body.error.message).toContain('application/json')

    const charset = await postJson(url, {}, { 'content-type': 'application/json; charset=utf-8' })
    expect(charset).toMatchObject({ status: 200, body: { accepted: { metrics: 0, logs: 0, spans: 0, health: 0 } } })
    expect(await bufferedBodies(agent!)).toEqual([])
    expect(await agentMetric(url, 'outpost_agent_ingest_requests_total{result="bad_json"}')).toBe(1)
    expect(await agentMetric(url, 'outpost_agent_ingest_requests_total{result="unsupported_media_type"}')).toBe(1)
  })

  it('refuses bodies over 4 MiB and more than 100,000 records with 413', async () => {
    await start()
    const message = 'x'.repeat(1024)
    const logs = Array.from({ length: 4200 }, () => ({ level: 'info', message }))
    const big = await postJson(url, { logs })
    expect(big).toMatchObject({ status: 413, body: { error: { code: 'too_large', message: 'body: larger than 4194304 bytes' } } })

    // Without a content-length the limit applies while reading.
    const chunk = new TextEncoder().encode(' '.repeat(1024 * 1024))
    const stream = new ReadableStream({
      pull(controller) {
        controller.enqueue(chunk)
      },
    })
    const streamed = await fetch(`${url}/v1/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(413)

    const many = await postJson(url, { metrics: Array.from({ length: 100_001 }, () => 0) })
    expect(many).toMatchObject({ status: 413, body: { error: { code: 'too_many_records' } } })
    expect(await bufferedBodies(agent!)).toEqual([])
  })

  it('splits a request whose records fit one batch by count but not by size into batches the hub accepts', async () => {
    await start()
    // 3,000 logs fit one batch by count (maxBatchSamples 5000) but not the hub's 1 MiB per batch.
    const logs = Array.from({ length: 3000 }, (_, k) => ({ level: 'info', message: `${k} ${'x'.repeat(1000)}` }))
    const res = await postJson(url, { logs })
    expect(res.status).toBe(200)
    const parts = (await agent!.buffer.read(0, 100)).map((b) => b.body)
    expect(parts.length).toBeGreaterThan(1)
    for (const part of parts) expect(part.byteLength).toBeLessThanOrEqual(1_048_576 - 8_192)
    const bodies = await bufferedBodies(agent!)
    expect(bodies.flatMap((b: any) => b.l).map((l: any) => l.message)).toEqual(logs.map((l) => l.message))
  })

  it('refuses with 413 a single record larger than a batch may be', async () => {
    await start()
    const res = await postJson(url, { logs: [{ level: 'info', message: 'x'.repeat(1_100_000) }] })
    expect(res.status).toBe(413)
    expect(res.body.error.code).toBe('batch_too_large')
    expect(await bufferedBodies(agent!)).toEqual([])
  })

  it('with policy block and a full buffer answers 503 with Retry-After and keeps what it accepted before', async () => {
    await start({ buffer: { maxBytes: 2000, policy: 'block' }, intervalMs: 5000 })
    const logs = (k: number) => ({ logs: [{ ts: 1_700_000_000_000 + k, level: 'info', message: `event ${k} ${'x'.repeat(300)}` }] })
    let accepted = 0
    let res = await postJson(url, logs(0))
    while (res.status === 200) {
      accepted++
      expect(accepted).toBeLessThan(10)
      res = await postJson(url, logs(accepted))
    }
    expect(accepted).toBeGreaterThan(0)
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(res.body.error.code).toBe('buffer_full')

    const kept = await bufferedBodies(agent!)
    expect(kept.map((b) => b.l![0].message.split(' ').slice(0, 2).join(' '))).toEqual(
      Array.from({ length: accepted }, (_, k) => `event ${k}`),
    )
    expect(await agentMetric(url, 'outpost_agent_ingest_requests_total{result="buffer_full"}')).toBe(1)
  })

  it('with policy drop_oldest keeps accepting, dropping the oldest batches', async () => {
    await start({ buffer: { maxBytes: 2000, policy: 'drop_oldest' } })
    for (let k = 0; k < 20; k++) {
      const res = await postJson(url, { logs: [{ level: 'info', message: `event ${k} ${'x'.repeat(300)}` }] })
      expect(res.status).toBe(200)
    }
    const stats = agent!.buffer.stats()
    expect(stats.bytes).toBeLessThanOrEqual(2000)
    expect(stats.droppedBatches.buffer_full).toBeGreaterThan(0)
    const kept = await bufferedBodies(agent!)
    expect(kept.at(-1)!.l![0].message).toMatch(/^event 19 /)
  })
})
