import { describe, expect, it } from 'vitest'
import { decodeResponse } from './response.js'
import { NOW, PARENT_ID, SPAN_ID, TRACE_ID, attr, nanos, otlpApp, post, request, str, type Encoding } from './harness.js'

function span(overrides: Record<string, unknown> = {}) {
  return {
    traceId: TRACE_ID,
    spanId: SPAN_ID,
    parentSpanId: PARENT_ID,
    name: 'GET /pumps',
    kind: 2,
    startTimeUnixNano: nanos(NOW),
    endTimeUnixNano: nanos(NOW + 12.345),
    attributes: [
      str('http.method', 'GET'),
      attr('http.status_code', { intValue: '200' }),
      attr('retry', { boolValue: true }),
      attr('ratio', { doubleValue: 0.5 }),
      attr('tags', { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } }),
      attr('peer', { kvlistValue: { values: [str('host', 'db-1')] } }),
      attr('big', { intValue: '9007199254740993' }),
    ],
    events: [{ timeUnixNano: nanos(NOW + 5), name: 'cache miss', attributes: [str('key', 'pump-7')] }],
    status: { code: 2, message: 'upstream timed out' },
    ...overrides,
  }
}

describe.each<Encoding>(['json', 'protobuf'])('OTLP traces over %s', (encoding) => {
  it('maps ids, parent, kind, times, status, attributes and events, and the service from the resource', async () => {
    const { app, accepted } = otlpApp()
    const res = await post(app, 'traces', request('Spans', [span()], { service: 'pump-api' }), { encoding })
    expect(res.status).toBe(200)
    expect(decodeResponse('traces', encoding, res.body)).toEqual({})
    expect(accepted).toEqual([
      {
        s: [
          {
            traceId: TRACE_ID,
            spanId: SPAN_ID,
            parentSpanId: PARENT_ID,
            name: 'GET /pumps',
            service: 'pump-api',
            kind: 'server',
            start: NOW,
            end: NOW + 12.345,
            status: 'error',
            attrs: {
              'http.method': 'GET',
              'http.status_code': 200,
              retry: true,
              ratio: 0.5,
              tags: ['a', 2],
              peer: { host: 'db-1' },
              big: '9007199254740993',
              'otel.status_description': 'upstream timed out',
            },
            events: [{ ts: NOW + 5, name: 'cache miss', attrs: { key: 'pump-7' } }],
          },
        ],
      },
    ])
  })

  it('a root span has no parent; unset status and kind stay plain', async () => {
    const { app, accepted } = otlpApp()
    const root = { traceId: TRACE_ID, spanId: SPAN_ID, name: 'tick', startTimeUnixNano: nanos(NOW), endTimeUnixNano: nanos(NOW + 1) }
    expect((await post(app, 'traces', request('Spans', [root]), { encoding })).status).toBe(200)
    expect(accepted[0].s).toEqual([{ traceId: TRACE_ID, spanId: SPAN_ID, name: 'tick', start: NOW, end: NOW + 1, status: 'unset' }])
  })

  it('keeps the valid spans of a request and reports the refused ones in partialSuccess', async () => {
    const { app, accepted } = otlpApp()
    const bad = span({ spanId: encoding === 'json' ? 'xyz' : 'eee19b7ec3c1', name: 'bad' })
    const res = await post(app, 'traces', request('Spans', [span(), bad]), { encoding })
    expect(res.status).toBe(200)
    const response = decodeResponse('traces', encoding, res.body)
    expect(Number(response.partialSuccess.rejectedSpans)).toBe(1)
    expect(response.partialSuccess.errorMessage).toContain('resourceSpans[0].scopeSpans[0].spans[1].spanId')
    expect(accepted[0].s!.map((s) => s.name)).toEqual(['GET /pumps'])
  })

  it('refuses a request whose every span is invalid with a 400 naming the field', async () => {
    const { app, accepted } = otlpApp()
    const res = await post(app, 'traces', request('Spans', [span({ traceId: '00000000000000000000000000000000' })]), { encoding })
    expect(res.status).toBe(400)
    expect(res.body.error.message).toBe('resourceSpans[0].scopeSpans[0].spans[0].traceId: must not be all zeros')
    expect(accepted).toEqual([])
  })

  it('takes gzip-compressed bodies', async () => {
    const { app, accepted } = otlpApp()
    const res = await post(app, 'traces', request('Spans', [span()], { service: 'pump-api' }), { encoding, gzip: true })
    expect(res.status).toBe(200)
    expect(accepted[0].s![0].traceId).toBe(TRACE_ID)
  })
})

describe('OTLP traces, JSON specifics', () => {
  it('accepts enum names and numeric nanoseconds as some encoders write them', async () => {
    const { app, accepted } = otlpApp()
    const s = span({ kind: 'SPAN_KIND_CLIENT', status: { code: 'STATUS_CODE_OK' }, startTimeUnixNano: NOW * 1e6, events: [] })
    expect((await post(app, 'traces', request('Spans', [s]))).status).toBe(200)
    expect(accepted[0].s![0]).toMatchObject({ kind: 'client', status: 'ok', start: NOW })
  })

  it('refuses a span without times, naming the field', async () => {
    const { app } = otlpApp()
    const res = await post(app, 'traces', request('Spans', [span({ endTimeUnixNano: undefined })]))
    expect(res.status).toBe(400)
    expect(res.body.error.message).toBe('resourceSpans[0].scopeSpans[0].spans[0].endTimeUnixNano: is required')
  })

  it('refuses an envelope of the wrong shape as a whole', async () => {
    const { app } = otlpApp()
    const res = await post(app, 'traces', { resourceSpans: [{ scopeSpans: { spans: [] } }] })
    expect(res.status).toBe(400)
    expect(res.body.error).toEqual({ code: 'invalid_otlp', message: 'resourceSpans[0].scopeSpans: must be an array, got an object' })
  })
})
