import { describe, expect, it } from 'vitest'
import { parseRule } from '../../../hub/alerts/rule-schema.js'
import { newAlert, observe, onTimer } from '../../../hub/alerts/transitions.js'
import { renderTemplate } from '../../../hub/alerts/templates.js'
import type { HistoryEvent, Observation } from '../../../hub/alerts/types.js'

const obs = (value: number, ts: number, active: boolean, cleared = !active): Observation => ({ key: 'd', labels: { device: 'd' }, value, ts, active, cleared })

describe('alert state machine', () => {
  it('keepFiringFor: stays firing until the clear condition has held that long (by evidence time, then by the timer)', () => {
    const rule = parseRule({ id: 'r', kind: 'threshold', metric: 'm', op: '>', threshold: 5, keepFiringFor: '10s' })
    const events: HistoryEvent[] = []
    const a = newAlert(rule, obs(9, 1_000, true), 1_000)
    expect(observe(rule, a, obs(9, 1_000, true), 1_000, events)).toBe('fired')
    expect(observe(rule, a, obs(1, 2_000, false), 2_000, events)).toBe('updated')
    // Back above: the clearing clock restarts.
    expect(observe(rule, a, obs(9, 3_000, true), 3_000, events)).toBe('updated')
    expect(observe(rule, a, obs(1, 4_000, false), 4_000, events)).toBe('updated')
    expect(observe(rule, a, obs(1, 13_000, false), 13_000, events)).toBe('updated')
    expect(a.state).toBe('firing')
    expect(onTimer(rule, a, 13_999, events)).toBe('none')
    expect(onTimer(rule, a, 14_000, events)).toBe('resolved')
    expect(a).toMatchObject({ state: 'resolved', endsAt: 14_000 })
  })

  it('for: a lapse while pending drops the alert; evidence older than the last seen is ignored', () => {
    const rule = parseRule({ id: 'r', kind: 'threshold', metric: 'm', op: '>', threshold: 5, for: '5s' })
    const events: HistoryEvent[] = []
    const a = newAlert(rule, obs(9, 1_000, true), 1_000)
    expect(a).toMatchObject({ state: 'pending', fireAt: 6_000 })
    expect(observe(rule, a, obs(1, 500, false), 2_000, events)).toBe('none')
    expect(observe(rule, a, obs(9, 5_999, true), 5_999, events)).toBe('updated')
    expect(observe(rule, a, obs(9, 6_000, true), 6_000, events)).toBe('fired')
    expect(a.startsAt).toBe(6_000)
    const b = newAlert(rule, obs(9, 1_000, true), 1_000)
    expect(observe(rule, b, obs(1, 2_000, false), 2_000, events)).toBe('dropped')
  })

  it('clearThreshold: inside the band stays firing; beyond it resolves', () => {
    const rule = parseRule({ id: 'r', kind: 'threshold', metric: 'm', op: '<', threshold: 10, clearThreshold: 15 })
    expect(() => parseRule({ id: 'r', kind: 'threshold', metric: 'm', op: '<', threshold: 10, clearThreshold: 5 })).toThrow(/clearThreshold/)
    const events: HistoryEvent[] = []
    const a = newAlert(rule, obs(8, 1, true), 1)
    observe(rule, a, obs(8, 1, true), 1, events)
    expect(a.state).toBe('firing')
    expect(observe(rule, a, obs(12, 2, false, false), 2, events)).toBe('updated')
    expect(observe(rule, a, obs(16, 3, false, true), 3, events)).toBe('resolved')
  })

  it('templates substitute {{device}}, {{value}}, {{rule}} and {{labels.x}} and evaluate nothing', () => {
    const vars = { device: 'pump-1', value: 0.123456789, rule: 'r', labels: { site: 'north' } }
    expect(renderTemplate('{{device}} {{ value }} {{rule}} {{labels.site}} {{labels.none}}', vars)).toBe('pump-1 0.123457 r north ')
    expect(renderTemplate('{{constructor.constructor("return 1")()}} {{process.exit()}}', vars)).toBe('{{constructor.constructor("return 1")()}} {{process.exit()}}')
  })
})

describe('window aggregation', () => {
  it('rate is the counter increase over the window per second, resets counted from zero, as /v1/metrics/query', async () => {
    const { aggregate, SampleWindow } = await import('../../../hub/alerts/rules/windows.js')
    const a = new SampleWindow()
    for (const [t, v] of [[0, 100], [10_000, 160], [20_000, 10], [30_000, 40]]) a.push(t, v)
    const b = new SampleWindow()
    b.push(30_000, 5)
    // Increases 60 + 10 (reset) + 30 = 100 over a 60 s window; b alone has nothing to compare.
    expect(aggregate([a, b], 'rate', -30_000, 30_000)).toBeCloseTo(100 / 60)
    expect(aggregate([b], 'rate', -30_000, 30_000)).toBeUndefined()
    expect(aggregate([a, b], 'p50', 0, 30_000)).toBe(40)
    expect(aggregate([a, b], 'avg', 15_000, 30_000)).toBeCloseTo(55 / 3)
  })
})
