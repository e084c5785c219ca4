import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Agent } from '../../../../agent/agent.js'
import { startTestHub, type TestHub } from '../../../helpers/hub.js'
import { tempDir, waitFor } from '../../../helpers/temp.js'
import { bufferedBodies, postJson, startIngestAgent } from './ingest-helpers.js'

describe('POST /v1/ingest to a real hub', () => {
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

  it('ingested metrics become queryable on the hub with the device label', async () => {
    const started = await startIngestAgent(dir.dir, hub.mqttUrl)
    agent = started.agent
    const ts = Date.now() - 20_000
    const res = await postJson(started.url, {
      metrics: [
        { name: 'pump_pressure_bar', type: 'gauge', labels: { pump: 'p1' }, ts, value: 2.5, unit: 'bar' },
        { name: 'pump_pressure_bar', type: 'gauge', labels: { pump: 'p1' }, ts: ts + 10_000, value: 3.25, unit: 'bar' },
        { name: 'pump_pressure_bar', type: 'gauge', labels: { pump: 'p2' }, ts, value: 1 },
      ],
    })
    expect(res).toMatchObject({ status: 200, body: { accepted: { metrics: 3 } } })

    const query = await waitFor(async () => {
      const r = await hub.get('/v1/metrics/query?name=pump_pressure_bar&label.pump=p1&from=-5m&step=1s')
      return r.status === 200 && r.body.series.length > 0 && r.body
    }, 10_000, 'ingested points on the hub')
    expect(query.series).toHaveLength(1)
    expect(query.series[0].labels).toMatchObject({ device: 'dev-1', pump: 'p1' })
    expect(query.series[0].points.map((p: [number, number]) => p[1])).toEqual([2.5, 3.25])
  })

  it('logs, spans and health results are shipped and acked, leaving the buffer empty', async () => {
    const started = await startIngestAgent(dir.dir, hub.mqttUrl)
    agent = started.agent
    const ts = Date.now()
    const res = await postJson(started.url, {
      logs: [{ level: 'error', component: 'pump', message: 'stalled', traceId: 't1', spanId: 's1' }],
      spans: [{ traceId: 't1', spanId: 's1', name: 'cycle', start: ts - 10, end: ts, events: [{ ts: ts - 5, name: 'stall' }] }],
      health: [{ check: 'pump', kind: 'process', status: 'unhealthy', message: 'stalled' }],
    })
    expect(res).toMatchObject({ status: 200, body: { accepted: { metrics: 0, logs: 1, spans: 1, health: 1 } } })
    await waitFor(() => agent!.uplink.counters.acked >= 1 && agent!.buffer.stats().pending === 0, 10_000, 'hub acks')
    expect(await bufferedBodies(agent)).toEqual([])
    // One batch per kind, all stored (an ack follows the store write), none refused.
    const hubMetrics = await (await fetch(`${hub.apiUrl}/metrics`)).text()
    expect(hubMetrics).toMatch(/^outpost_hub_batches_total 3$/m)
    expect(hubMetrics).not.toMatch(/^outpost_hub_batches_rejected_total\{[^}]*\} [1-9]/m)
  })

  it('a large request split into small batches is stored whole', async () => {
    const started = await startIngestAgent(dir.dir, hub.mqttUrl, { maxBatchSamples: 500 })
    agent = started.agent
    const logs = Array.from({ length: 3000 }, (_, k) => ({ level: 'info', message: `${k} ${'x'.repeat(1000)}` }))
    expect(await postJson(started.url, { logs })).toMatchObject({ status: 200, body: { accepted: { logs: 3000 } } })
    expect(agent.buffer.stats().pending).toBe(6)
    await waitFor(() => agent!.buffer.stats().pending === 0, 10_000, 'hub acks for every part')
    const hubMetrics = await (await fetch(`${hub.apiUrl}/metrics`)).text()
    expect(hubMetrics).toMatch(/^outpost_hub_batches_total 6$/m)
  })
})
