import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Agent } from '../../../agent/agent.js'
import { makeTestAgent } from '../../helpers/agent.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { runPumpApp, type OtlpProtocol } from './app.js'

// Must show (issue 5): an app instrumented with the official OpenTelemetry JS SDK exports traces, metrics and logs
// over OTLP/HTTP to a real agent, and the hub's API returns its spans as one tree, its metrics, and its logs with
// their trace ids.

describe.each<OtlpProtocol>(['http/json', 'http/protobuf'])('OpenTelemetry JS SDK over %s to agent and hub', (protocol) => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  let agent: Agent

  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
    agent = makeTestAgent(dir.dir, hub.mqttUrl, { listen: '127.0.0.1:0', autoCollect: false })
    await agent.start()
  })
  afterEach(async () => {
    await agent.stop()
    await hub.stop()
    await dir.cleanup()
  })

  it('the hub returns the spans as one tree, the metrics, and the logs with their trace ids', async () => {
    const service = `pump-app-${protocol.replace('/', '-')}`
    const { traceId, rootSpanId } = await runPumpApp(`http://127.0.0.1:${agent.listenerAddress()!.port}`, protocol, service)

    // Spans: one tree, the parent with its two children in start order.
    const tree = await waitFor(async () => {
      const r = await hub.get(`/v1/traces/${traceId}`)
      return r.status === 200 && r.body.spanCount === 3 && r.body
    }, 15_000, 'the trace on the hub')
    expect(tree).toMatchObject({ traceId, rootName: 'pump cycle', rootService: service, spanCount: 3, devices: ['dev-1'] })
    expect(tree.roots).toHaveLength(1)
    const root = tree.roots[0]
    expect(root).toMatchObject({ spanId: rootSpanId, parentSpanId: null, name: 'pump cycle', service, kind: 'internal', status: 'unset', attributes: { 'pump.id': 'p7' } })
    expect(root.children.map((c: { name: string }) => c.name)).toEqual(['fill', 'drain'])
    for (const child of root.children) expect(child.parentSpanId).toBe(rootSpanId)
    const drain = root.children[1]
    expect(drain.durationMs).toBeGreaterThan(0)
    expect(drain.events).toMatchObject([{ name: 'valve stuck', attrs: { valve: 'v2' } }])

    // Metrics: the counter (cumulative, so _total with the running sum) and the histogram's buckets.
    const counter = await waitFor(async () => {
      const r = await hub.get(`/v1/metrics/query?name=pump_cycles_total&from=-10m&agg=last`)
      return r.status === 200 && r.body.series.length > 0 && r.body
    }, 15_000, 'the counter on the hub')
    expect(counter.series).toHaveLength(1)
    expect(counter.series[0].labels).toEqual({ device: 'dev-1', pump: 'p7', service })
    expect(counter.series[0].points.at(-1)[1]).toBe(3)
    const count = await hub.get(`/v1/metrics/query?name=pump_cycle_duration_count&from=-10m&agg=last`)
    expect(count.body.series[0].points.at(-1)[1]).toBe(3)
    const sum = await hub.get(`/v1/metrics/query?name=pump_cycle_duration_sum&from=-10m&agg=last`)
    expect(sum.body.series[0].points.at(-1)[1]).toBe(195)
    const buckets = await hub.get(`/v1/metrics/query?name=pump_cycle_duration_bucket&from=-10m&agg=last`)
    const byLe = Object.fromEntries(buckets.body.series.map((s: any) => [s.labels.le, s.points.at(-1)[1]]))
    // The SDK's default bounds: 0 5 10 25 50 75 100 250 500 …; 3 ≤ 5, 12 ≤ 25, 180 ≤ 250.
    expect(byLe).toMatchObject({ '0': 0, '5': 1, '10': 1, '25': 2, '250': 3, '+Inf': 3 })

    // Logs: both records, with the trace and span ids of the spans they were emitted in.
    const logs = await waitFor(async () => {
      const r = await hub.get(`/v1/logs?device=dev-1&from=-10m`)
      return r.status === 200 && r.body.logs.length >= 2 && r.body.logs
    }, 15_000, 'the logs on the hub')
    const byMessage = Object.fromEntries(logs.map((l: any) => [l.message, l]))
    expect(byMessage['cycle started']).toMatchObject({ level: 'info', component: 'pump.controller', traceId, spanId: rootSpanId, attrs: { 'pump.id': 'p7', service } })
    expect(byMessage['drain slow']).toMatchObject({ level: 'warning', component: 'pump.controller', traceId, spanId: drain.spanId })
  })
})
