// Unit tests of the six rule kinds' evaluators, hook by hook, on the evaluator kit (./kit.ts). The end-to-end
// behaviour over MQTT stays in ../rule-kinds.test.ts; these pin each evaluator's own decisions.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { brief, evaluatorKit, T0, type EvaluatorKit } from './kit.js'
import type { Observation } from '../../../../hub/alerts/types.js'
import type { RuleEvaluator } from '../../../../hub/alerts/rules/types.js'

/** The periodic pass of a kind that answers synchronously (all but slo_burn, which reads the store). */
function tick(ev: RuleEvaluator, now: number): Observation[] {
  const observed = ev.onTick!(now)
  if (observed instanceof Promise) throw new Error('expected a synchronous onTick')
  return observed
}

let kit: EvaluatorKit
beforeEach(async () => {
  kit = await evaluatorKit()
})
afterEach(() => kit.close())

const base = { severity: 'high' }

describe('threshold evaluator', () => {
  it('aggregates matching series over the window and reports the crossing and its clearing', async () => {
    const ev = await kit.evaluator({ ...base, id: 'cpu', kind: 'threshold', metric: 'cpu', match: { cpu: 'total' }, agg: 'avg', window: '10s', op: '>', threshold: 0.8, clearThreshold: 0.5 })
    expect(ev.reads).toEqual({ metric: 'cpu' })
    // Calm samples of a group with no open alert are counted, not returned (the per-sample fast path).
    expect(ev.onBatch!(kit.view('d1', { metrics: [{ name: 'cpu', labels: { cpu: 'total' }, value: 0.5, ts: T0 }, { name: 'cpu', labels: { cpu: '0' }, value: 9, ts: T0 }] }))).toEqual([])
    expect(kit.calmed()).toBe(1)
    const fired = ev.onBatch!(kit.view('d1', { metrics: [{ name: 'cpu', labels: { cpu: 'total' }, value: 1.5, ts: T0 + 1000 }] }))
    expect(brief(fired)).toEqual([{ key: 'device=d1\u0000', value: 1, active: true, cleared: false }])
    expect(fired[0].labels).toEqual({ device: 'd1' })
    kit.setOpen('cpu', 'device=d1\u0000', true)
    // avg of 0.5, 1.5, 0.3 = 0.77: not above 0.8, but not yet under the clear band either (hysteresis).
    const [between] = ev.onBatch!(kit.view('d1', { metrics: [{ name: 'cpu', labels: { cpu: 'total' }, value: 0.3, ts: T0 + 2000 }] }))
    expect(between).toMatchObject({ key: 'device=d1\u0000', active: false, cleared: false })
    expect(between.value).toBeCloseTo(2.3 / 3)
    // 11 s later the window holds only the new sample.
    expect(brief(ev.onBatch!(kit.view('d1', { metrics: [{ name: 'cpu', labels: { cpu: 'total' }, value: 0.1, ts: T0 + 13_000 }] })))).toEqual([
      { key: 'device=d1\u0000', value: 0.1, active: false, cleared: true },
    ])
    ev.dispose?.()
  })

  it('groups across devices by label and ignores devices outside its glob', async () => {
    const ev = await kit.evaluator({ ...base, id: 'hot', kind: 'threshold', metric: 't', agg: 'max', window: '10s', op: '>', threshold: 40, groupBy: ['site'], device: 'edge-*' })
    expect(ev.onBatch!(kit.view('other', { metrics: [{ name: 't', labels: { site: 'n' }, value: 99, ts: T0 }] }))).toEqual([])
    ev.onBatch!(kit.view('edge-1', { metrics: [{ name: 't', labels: { site: 'n' }, value: 45, ts: T0 }] }))
    const out = ev.onBatch!(kit.view('edge-2', { metrics: [{ name: 't', labels: { site: 'n' }, value: 50, ts: T0 + 10 }] }))
    expect(out.map((o) => [o.labels, o.value])).toEqual([[{ site: 'n' }, 50]])
  })
})

describe('absent evaluator', () => {
  it('fires when a group sends nothing for the window and clears on its next sample', async () => {
    const ev = await kit.evaluator({ ...base, id: 'gone', kind: 'absent', metric: 'beat', window: '30s' })
    expect(brief(ev.onBatch!(kit.view('d1', { metrics: [{ name: 'beat', value: 1, ts: T0 }] })))).toEqual([{ key: 'device=d1\u0000', value: 0, active: false, cleared: true }])
    kit.advance(20_000)
    expect(brief(tick(ev, kit.now()))).toEqual([{ key: 'device=d1\u0000', value: 20, active: false, cleared: true }])
    kit.advance(15_000)
    expect(brief(tick(ev, kit.now()))).toEqual([{ key: 'device=d1\u0000', value: 35, active: true, cleared: false }])
    expect(brief(ev.onBatch!(kit.view('d1', { metrics: [{ name: 'beat', value: 1, ts: kit.now() }] })))[0]).toMatchObject({ active: false, cleared: true })
  })

  it('learns groups from the stored series index at start, with a grace of one window', async () => {
    const view = kit.view('d9', { metrics: [{ name: 'beat', value: 1, ts: T0 - 3_600_000 }] })
    await kit.store.ingest(view.batch)
    const ev = await kit.evaluator({ ...base, id: 'gone', kind: 'absent', metric: 'beat', window: '30s' })
    expect(brief(tick(ev, kit.now() + 10_000))).toEqual([{ key: 'device=d9\u0000', value: 10, active: false, cleared: true }])
    expect(brief(tick(ev, kit.now() + 31_000))[0]).toMatchObject({ active: true })
  })
})

describe('offline evaluator', () => {
  it('follows births and wills, and after the startup grace counts known devices from the registry', async () => {
    await kit.devices.applyStatus('d1', { state: 'offline' })
    await kit.devices.applyStatus('d2', { state: 'online' })
    const ev = await kit.evaluator({ ...base, id: 'off', kind: 'offline', device: 'd*' })
    expect(brief(ev.onStatus!('d1', false, T0))).toEqual([{ key: 'd1', value: 'offline', active: true, cleared: false }])
    expect(brief(ev.onStatus!('d1', true, T0 + 1))).toEqual([{ key: 'd1', value: 'online', active: false, cleared: true }])
    expect(ev.onStatus!('x1', false, T0)).toEqual([])
    expect(brief(tick(ev, T0 + 2)).map((o) => [o.key, o.value])).toEqual([
      ['d1', 'offline'],
      ['d2', 'online'],
    ])
  })

  it('during the startup grace reports only devices heard from since the start', async () => {
    const graced = await evaluatorKit({ startupGraceMs: 60_000 })
    try {
      await graced.devices.applyStatus('d1', { state: 'offline' })
      await graced.devices.applyStatus('d2', { state: 'offline' })
      const ev = await graced.evaluator({ ...base, id: 'off', kind: 'offline' })
      ev.onStatus!('d2', false, graced.now())
      expect(tick(ev, graced.now() + 1000).map((o) => o.key)).toEqual(['d2'])
      expect(tick(ev, graced.now() + 60_000).map((o) => o.key)).toEqual(['d1', 'd2'])
    } finally {
      await graced.close()
    }
  })
})

describe('health evaluator', () => {
  it("takes the check's latest result in the batch and fires on the rule's statuses", async () => {
    const ev = await kit.evaluator({ ...base, id: 'db', kind: 'health', check: 'db', status: ['unhealthy', 'degraded'] })
    expect(ev.reads).toBe('health')
    const h = (status: string, ts: number) => ({ check: 'db', kind: 'tcp', status, ts }) as never
    const out = ev.onBatch!(kit.view('d1', { health: [h('degraded', T0 + 5), h('healthy', T0), { check: 'web', kind: 'http', status: 'unhealthy', ts: T0 + 9 }] }))
    expect(out).toEqual([{ key: 'd1', labels: { device: 'd1', check: 'db' }, value: 'degraded', active: true, cleared: false, ts: T0 + 5 }])
    expect(brief(ev.onBatch!(kit.view('d1', { health: [h('healthy', T0 + 10)] })))).toEqual([{ key: 'd1', value: 'healthy', active: false, cleared: true }])
    expect(ev.onBatch!(kit.view('d1', { health: [{ check: 'web', kind: 'http', status: 'unhealthy', ts: T0 + 11 }] }))).toEqual([])
  })
})

describe('log_rate evaluator', () => {
  it('counts logs at or above the level matching component and text over the window, decaying on ticks', async () => {
    const ev = await kit.evaluator({ ...base, id: 'errs', kind: 'log_rate', level: 'error', component: 'db', text: 'TIMEOUT', threshold: 2, window: '10s' })
    const log = (level: string, message: string, ts: number, component = 'db') => ({ level, message, ts, component }) as never
    const first = ev.onBatch!(
      kit.view('d1', { logs: [log('error', 'query timeout', T0), log('warning', 'timeout', T0 + 1), log('critical', 'Timeout again', T0 + 2), log('error', 'timeout', T0 + 3, 'web'), log('error', 'refused', T0 + 4)] }),
    )
    expect(brief(first)).toEqual([{ key: 'device=d1\u0000', value: 2, active: true, cleared: false }])
    expect(brief(tick(ev, T0 + 10_001))).toEqual([{ key: 'device=d1\u0000', value: 1, active: false, cleared: true }])
    expect(brief(tick(ev, T0 + 10_003))).toEqual([{ key: 'device=d1\u0000', value: 0, active: false, cleared: true }])
    // A group with nothing left in its window is forgotten.
    expect(tick(ev, T0 + 20_000)).toEqual([])
  })
})

describe('trace evaluator', () => {
  const span = (name: string, start: number, end: number, status = 'ok', service = 'api') =>
    ({ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name, service, start, end, status }) as never

  it('p95 latency of the operation over the window', async () => {
    const ev = await kit.evaluator({ ...base, id: 'slow', kind: 'trace', operation: 'GET /x', service: 'api', op: '>', threshold: 500, window: '1m' })
    const spans = [span('GET /x', T0, T0 + 100), span('GET /x', T0, T0 + 900), span('GET /y', T0, T0 + 5000), span('GET /x', T0, T0 + 5000, 'ok', 'other')]
    const [o] = ev.onBatch!(kit.view('d1', { spans }))
    expect(o).toMatchObject({ labels: { device: 'd1' }, active: true })
    expect(o.value).toBeGreaterThan(500)
    // With every span out of the window, nothing is slow.
    expect(brief(tick(ev, T0 + 120_000))).toEqual([{ key: 'device=d1\u0000', value: null, active: false, cleared: true }])
  })

  it('error rate of the operation over the window', async () => {
    const ev = await kit.evaluator({ ...base, id: 'failing', kind: 'trace', operation: 'GET /x', stat: 'error_rate', op: '>=', threshold: 0.5 })
    const [o] = ev.onBatch!(kit.view('d1', { spans: [span('GET /x', T0, T0 + 1, 'error'), span('GET /x', T0, T0 + 2), span('GET /x', T0, T0 + 3), span('GET /x', T0, T0 + 4, 'error')] }))
    expect(o).toMatchObject({ value: 0.5, active: true, cleared: false })
  })
})
