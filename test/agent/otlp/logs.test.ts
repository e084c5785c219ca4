import { describe, expect, it } from 'vitest'
import { decodeResponse } from './response.js'
import { NOW, SPAN_ID, TRACE_ID, attr, nanos, otlpApp, post, request, str, type Encoding } from './harness.js'

function log(overrides: Record<string, unknown> = {}) {
  return {
    timeUnixNano: nanos(NOW + 1),
    observedTimeUnixNano: nanos(NOW + 2),
    severityNumber: 13,
    severityText: 'WARN',
    body: { stringValue: 'pump 7 pressure high' },
    attributes: [str('pump', '7'), attr('bar', { doubleValue: 3.5 })],
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    ...overrides,
  }
}

describe.each<Encoding>(['json', 'protobuf'])('OTLP logs over %s', (encoding) => {
  it('maps time, level, body, attributes, trace context, scope as component and service', async () => {
    const { app, accepted } = otlpApp()
    const res = await post(app, 'logs', request('Logs', [log()], { service: 'pump-api', scope: 'pump.controller' }), { encoding })
    expect(res.status).toBe(200)
    expect(decodeResponse('logs', encoding, res.body)).toEqual({})
    expect(accepted[0].l).toEqual([
      {
        ts: NOW + 1,
        level: 'warning',
        message: 'pump 7 pressure high',
        component: 'pump.controller',
        attrs: { pump: '7', bar: 3.5, service: 'pump-api' },
        traceId: TRACE_ID,
        spanId: SPAN_ID,
      },
    ])
  })

  it.each([
    [1, 'debug'], [5, 'debug'], [8, 'debug'], [9, 'info'], [12, 'info'], [13, 'warning'], [17, 'error'], [20, 'error'], [21, 'critical'], [24, 'critical'],
  ])('severityNumber %i is %s', async (severityNumber, level) => {
    const { app, accepted } = otlpApp()
    await post(app, 'logs', request('Logs', [log({ severityNumber, severityText: undefined })]), { encoding })
    expect(accepted[0].l![0].level).toBe(level)
  })

  it('without a severityNumber, severityText decides; without either, info', async () => {
    const { app, accepted } = otlpApp()
    const texts = ['ERROR', 'Warning', 'info2', 'FATAL', 'trace', undefined]
    await post(app, 'logs', request('Logs', texts.map((severityText) => log({ severityNumber: 0, severityText }))), { encoding })
    expect(accepted[0].l!.map((l) => l.level)).toEqual(['error', 'warning', 'info', 'critical', 'debug', 'info'])
  })

  it('a body that is not a string is kept as JSON; a component attribute beats the scope name', async () => {
    const { app, accepted } = otlpApp()
    const body = { kvlistValue: { values: [str('event', 'start'), attr('n', { intValue: '3' })] } }
    await post(app, 'logs', request('Logs', [log({ body, attributes: [str('log.component', 'valve')], traceId: undefined, spanId: undefined })]), { encoding })
    expect(accepted[0].l![0]).toEqual({ ts: NOW + 1, level: 'warning', message: '{"event":"start","n":3}', component: 'valve' })
  })

  it('falls back to the observed time, then to now', async () => {
    const { app, accepted } = otlpApp()
    await post(app, 'logs', request('Logs', [log({ timeUnixNano: undefined }), log({ timeUnixNano: undefined, observedTimeUnixNano: undefined })]), { encoding })
    expect(accepted[0].l!.map((l) => l.ts)).toEqual([NOW + 2, NOW])
  })

  it('a level that does not exist is refused by name; the other records are kept', async () => {
    const { app, accepted } = otlpApp()
    const res = await post(app, 'logs', request('Logs', [log(), log({ severityNumber: 0, severityText: 'LOUD' }), log({ severityNumber: 31 })]), { encoding })
    expect(res.status).toBe(200)
    const { partialSuccess } = decodeResponse('logs', encoding, res.body)
    expect(Number(partialSuccess.rejectedLogRecords)).toBe(2)
    expect(partialSuccess.errorMessage).toContain('resourceLogs[0].scopeLogs[0].logRecords[1].severityText: is not a level this agent knows')
    expect(partialSuccess.errorMessage).toContain('logRecords[2].severityNumber: is not a severity number (1-24), got 31')
    expect(accepted[0].l).toHaveLength(1)
  })
})

describe('OTLP logs, refusals', () => {
  it('a request of only bad records is a 400 naming them', async () => {
    const { app, accepted } = otlpApp()
    const res = await post(app, 'logs', request('Logs', [log({ severityText: 'NOISY', severityNumber: 0 })]))
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('invalid_otlp')
    expect(res.body.error.message).toMatch(/^resourceLogs\[0\]\.scopeLogs\[0\]\.logRecords\[0\]\.severityText: is not a level this agent knows .*got "NOISY"$/)
    expect(accepted).toEqual([])
  })

  it('an attribute named like a prototype member is refused, not merged into the object', async () => {
    const { app } = otlpApp()
    const res = await post(app, 'logs', request('Logs', [log({ attributes: [str('__proto__', 'x')] })]))
    expect(res.status).toBe(400)
    expect(res.body.error.message).toContain('logRecords[0].attributes[0].key: is a reserved name')
  })
})
