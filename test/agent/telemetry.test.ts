// One table of agent self-metrics (agent/telemetry.ts) feeds both the listener's /metrics and the samples shipped
// to the hub; a refusal at an input (here JSON ingest) is counted once and reaches the hub.
import { afterEach, describe, expect, it } from 'vitest'
import type { SeriesDef } from '../../protocol/batch.js'
import { Telemetry } from '../../agent/telemetry.js'
import { prometheusRegistry } from '../../agent/telemetry-registry.js'
import { makeTestAgent } from '../helpers/agent.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import type { Agent } from '../../agent/agent.js'

describe('agent telemetry table', () => {
  it('gives /metrics and the shipped samples the same names, types, labels and values', async () => {
    const t = new Telemetry()
    let bytes = 42
    t.read({ name: 'outpost_agent_buffer_bytes', help: 'bytes held', type: 'gauge', unit: 'bytes' }, () => bytes)
    t.read({ name: 'outpost_agent_dropped_batches_total', help: 'dropped', type: 'counter', labelNames: ['reason'] }, () => [[{ reason: 'buffer_full' }, 3]])
    const refusals = t.counter({ name: 'outpost_agent_ingest_requests_total', help: 'requests', labelNames: ['result'] }, [{ result: 'accepted' }])
    refusals.inc({ result: 'bad_request' })
    bytes = 43

    const shipped: Array<{ series: SeriesDef; value: number }> = []
    t.emit({ add: (series, _ts, value) => shipped.push({ series, value }) }, 1)
    expect(shipped.map(({ series, value }) => [series.name, series.type, series.labels, value])).toEqual([
      ['outpost_agent_buffer_bytes', 'gauge', {}, 43],
      ['outpost_agent_dropped_batches_total', 'counter', { reason: 'buffer_full' }, 3],
      ['outpost_agent_ingest_requests_total', 'counter', { result: 'accepted' }, 0],
      ['outpost_agent_ingest_requests_total', 'counter', { result: 'bad_request' }, 1],
    ])
    const text = await prometheusRegistry(t).metrics()
    expect(text).toContain('# TYPE outpost_agent_buffer_bytes gauge\noutpost_agent_buffer_bytes 43')
    expect(text).toContain('# TYPE outpost_agent_dropped_batches_total counter\noutpost_agent_dropped_batches_total{reason="buffer_full"} 3')
    expect(text).toContain('outpost_agent_ingest_requests_total{result="bad_request"} 1')
    expect(() => t.read({ name: 'outpost_agent_buffer_bytes', help: 'again', type: 'gauge' }, () => 0)).toThrow(/declared twice/)
  })

  describe('on a real agent and hub', () => {
    let dir: Awaited<ReturnType<typeof tempDir>>
    let hub: TestHub
    let agent: Agent
    afterEach(async () => {
      await agent?.stop()
      await hub?.stop()
      await dir?.cleanup()
    })

    it('a request refused at the ingest input is counted on /metrics and the same count reaches the hub', async () => {
      dir = await tempDir()
      hub = await startTestHub(dir.dir)
      agent = makeTestAgent(dir.dir, hub.mqttUrl, { listen: '127.0.0.1:0', autoCollect: false })
      await agent.start()
      const { port } = agent.listenerAddress()!
      const refused = await fetch(`http://127.0.0.1:${port}/v1/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"metrics": 7}' })
      expect(refused.status).toBe(400)
      const local = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
      const line = /outpost_agent_ingest_requests_total\{result="([a-z_]+)"\} 1/.exec(local)
      expect(line, local).not.toBeNull()

      await agent.collectOnce()
      const stored = await waitFor(async () => {
        const [series] = await hub.hub.store.series({ name: 'outpost_agent_ingest_requests_total', labels: { result: line![1] } })
        return series && (await hub.hub.store.read([series], 0, Date.now() + 60_000))[0]
      }, 15_000, 'the refusal count at the hub')
      expect(Array.from(stored.values)).toEqual([1])
    })
  })
})
