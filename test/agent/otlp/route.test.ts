import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { NOW, SPAN_ID, TRACE_ID, nanos, otlpApp, post, postRaw, request } from './harness.js'

const JSON_TYPE = { 'content-type': 'application/json' }
const PROTOBUF_TYPE = { 'content-type': 'application/x-protobuf' }
const oneSpan = request('Spans', [{ traceId: TRACE_ID, spanId: SPAN_ID, name: 'x', startTimeUnixNano: nanos(NOW), endTimeUnixNano: nanos(NOW + 1) }])

describe('OTLP/HTTP routes', () => {
  it('refuses content types other than JSON and protobuf with 415', async () => {
    const { app } = otlpApp()
    const res = await postRaw(app, 'logs', 'hello', { 'content-type': 'text/plain' })
    expect(res.status).toBe(415)
    expect(res.body.error).toEqual({ code: 'unsupported_media_type', message: 'content-type must be application/json or application/x-protobuf, got "text/plain"' })
  })

  it('refuses content encodings other than gzip with 415', async () => {
    const { app } = otlpApp()
    const res = await postRaw(app, 'logs', '{}', { ...JSON_TYPE, 'content-encoding': 'br' })
    expect(res.status).toBe(415)
    expect(res.body.error.message).toBe('content-encoding must be gzip or none, got "br"')
  })

  it('names what is wrong with a body that is not JSON, not an object, not protobuf or not gzip', async () => {
    const { app } = otlpApp()
    const cases: Array<[Uint8Array | string, Record<string, string>, string]> = [
      ['{"resourceSpans": [', JSON_TYPE, 'body: not valid JSON'],
      ['[1, 2]', JSON_TYPE, 'body: must be a JSON object (an ExportTraceServiceRequest)'],
      [Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f]), PROTOBUF_TYPE, 'body: not a protobuf ExportTraceServiceRequest'],
      ['not gzip', { ...JSON_TYPE, 'content-encoding': 'gzip' }, 'body: not valid gzip'],
    ]
    for (const [body, headers, message] of cases) {
      const res = await postRaw(app, 'traces', body, headers)
      expect(res.status, message).toBe(400)
      expect(res.body.error.code).toBe('invalid_otlp')
      expect(res.body.error.message).toContain(message)
    }
  })

  it('refuses a body that inflates past the limit with 413', async () => {
    const { app } = otlpApp()
    const bomb = gzipSync(Buffer.alloc(9 * 1024 * 1024, 0x20))
    const res = await postRaw(app, 'traces', bomb, { ...JSON_TYPE, 'content-encoding': 'gzip' })
    expect(res.status).toBe(413)
  })

  it('an empty request is a success with nothing buffered', async () => {
    const { app, accepted } = otlpApp()
    const res = await postRaw(app, 'metrics', '{}', JSON_TYPE)
    expect(res.status).toBe(200)
    expect(res.body).toEqual({})
    expect(accepted).toEqual([])
  })

  it('answers a protobuf request with a protobuf response', async () => {
    const { app } = otlpApp()
    const res = await post(app, 'traces', oneSpan, { encoding: 'protobuf' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/x-protobuf')
    expect(res.body).toBeInstanceOf(Uint8Array)
  })

  it('a failure to store is a 500 and nothing is reported accepted', async () => {
    const { app, state } = otlpApp()
    state.fail = new Error('disk gone')
    const res = await post(app, 'traces', oneSpan)
    expect(res.status).toBe(500)
    expect(res.body.error.code).toBe('internal')
  })

  it('counts requests and items by signal and outcome in the agent registry', async () => {
    const { app, registry } = otlpApp()
    await post(app, 'traces', oneSpan)
    await postRaw(app, 'traces', 'x', { 'content-type': 'text/plain' })
    const text = await registry.metrics()
    expect(text).toContain('outpost_agent_otlp_requests_total{signal="traces",result="accepted"} 1')
    expect(text).toContain('outpost_agent_otlp_requests_total{signal="traces",result="unsupported_media_type"} 1')
    expect(text).toContain('outpost_agent_otlp_items_total{signal="traces",outcome="accepted"} 1')
  })
})
