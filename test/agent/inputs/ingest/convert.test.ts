import { describe, expect, it } from 'vitest'
import { toBatchBody } from '../../../../agent/inputs/ingest/convert.js'
import { IngestError } from '../../../../agent/inputs/ingest/errors.js'
import { parseIngestRequest } from '../../../../agent/inputs/ingest/schema.js'
import { validateBatch } from '../../../../protocol/validate.js'

const NOW = 1_714_564_800_000 // 2024-05-01T12:00:00Z

function convert(json: unknown) {
  return toBatchBody(parseIngestRequest(json), NOW)
}

/** The wire validator must take whatever the conversion produces. */
function assertWireValid(body: object) {
  expect(() => validateBatch({ v: 1, dev: 'dev-1', ep: 'e1', seq: 1, at: NOW, ...body })).not.toThrow()
}

describe('ingest JSON to batch body', () => {
  it('metrics go column-wise through MetricsBuilder, sorted by time, with default ts and units', () => {
    const { body, counts } = convert({
      metrics: [
        { name: 'pump_temp_celsius', type: 'gauge', labels: { pump: 'a' }, ts: NOW + 1000, value: 21.5, unit: 'celsius' },
        { name: 'pump_runs_total', type: 'counter', labels: {}, value: 7 },
        { name: 'pump_temp_celsius', type: 'gauge', labels: { pump: 'a' }, ts: '2024-05-01T12:00:02Z', value: 22, unit: 'celsius' },
        { name: 'pump_flow', type: 'summary', ts: NOW, value: 3 },
      ],
    })
    expect(counts).toEqual({ metrics: 4, logs: 0, spans: 0, health: 0 })
    expect(body.m!.s).toEqual([
      ['pump_temp_celsius', 'gauge', { pump: 'a' }, 'celsius'],
      ['pump_runs_total', 'counter', {}],
      ['pump_flow', 'summary', {}],
    ])
    // Sorted by time: the two samples at NOW (series 1 then 2), then +1 s, then +2 s.
    expect(body.m!.i).toEqual([1, 2, 0, 0])
    expect(body.m!.t).toEqual([NOW, 0, 1000, 1000])
    expect(body.m!.v).toEqual([7, 3, 21.5, 22])
    assertWireValid(body)
  })

  it('logs keep their fields, take now for a missing ts, and drop absent optional fields', () => {
    const { body, counts } = convert({
      logs: [
        { ts: NOW - 5, level: 'error', component: 'pump', message: 'stalled', attrs: { rpm: 0, tags: ['a', { b: null }] }, traceId: 't1', spanId: 's1' },
        { level: 'info', message: 'ok' },
      ],
    })
    expect(counts.logs).toBe(2)
    expect(body.l).toEqual([
      { ts: NOW - 5, level: 'error', component: 'pump', message: 'stalled', attrs: { rpm: 0, tags: ['a', { b: null }] }, traceId: 't1', spanId: 's1' },
      { ts: NOW, level: 'info', message: 'ok' },
    ])
    expect(Object.keys(body.l![1])).toEqual(['ts', 'level', 'message'])
    expect(body.m).toBeUndefined()
    assertWireValid(body)
  })

  it('spans convert RFC 3339 times to ms, events included', () => {
    const { body, counts } = convert({
      spans: [
        {
          traceId: 'abc',
          spanId: 'def',
          parentSpanId: 'p0',
          name: 'GET /pump',
          service: 'api',
          kind: 'server',
          start: '2024-05-01T12:00:00.250+02:00',
          end: NOW,
          status: 'error',
          attrs: { 'http.status': 500 },
          events: [{ ts: NOW - 1, name: 'retry' }],
        },
        { traceId: 'abc', spanId: 'ghi', name: 'db', start: 10, end: 10 },
      ],
    })
    expect(counts.spans).toBe(2)
    expect(body.s![0]).toEqual({
      traceId: 'abc',
      spanId: 'def',
      parentSpanId: 'p0',
      name: 'GET /pump',
      service: 'api',
      kind: 'server',
      start: NOW - 2 * 3600_000 + 250,
      end: NOW,
      status: 'error',
      attrs: { 'http.status': 500 },
      events: [{ ts: NOW - 1, name: 'retry' }],
    })
    expect(body.s![1]).toEqual({ traceId: 'abc', spanId: 'ghi', name: 'db', start: 10, end: 10 })
    assertWireValid(body)
  })

  it('health results keep their fields and take now for a missing ts', () => {
    const { body, counts } = convert({
      health: [
        { check: 'disk', kind: 'fs', status: 'degraded', ts: NOW - 10, latencyMs: 3.5, message: '91% full' },
        { check: 'mqtt', kind: 'tcp', status: 'healthy' },
      ],
    })
    expect(counts).toEqual({ metrics: 0, logs: 0, spans: 0, health: 2 })
    expect(body.h).toEqual([
      { check: 'disk', kind: 'fs', status: 'degraded', ts: NOW - 10, latencyMs: 3.5, message: '91% full' },
      { check: 'mqtt', kind: 'tcp', status: 'healthy', ts: NOW },
    ])
    assertWireValid(body)
  })

  it('an empty request converts to an empty body', () => {
    expect(convert({})).toEqual({ body: {}, counts: { metrics: 0, logs: 0, spans: 0, health: 0 } })
  })

  it('refuses one series given two types or units, naming both records', () => {
    const metric = { name: 'x', labels: { a: '1' }, value: 1 }
    expect(() => convert({ metrics: [{ ...metric, type: 'gauge' }, { ...metric, type: 'counter' }] })).toThrow(
      'metrics[1].type: counter differs from gauge given for the same series at metrics[0]',
    )
    expect(() => convert({ metrics: [{ ...metric, type: 'gauge', unit: 'bytes' }, { ...metric, type: 'gauge' }] })).toThrow(
      'metrics[1].unit: no unit differs from unit "bytes" given for the same series at metrics[0]',
    )
  })
})

describe('ingest JSON validation', () => {
  function refusal(json: unknown): IngestError {
    try {
      parseIngestRequest(json)
    } catch (err) {
      if (err instanceof IngestError) return err
      throw err
    }
    throw new Error('expected the request to be refused')
  }
  const good = { name: 'ok_metric', type: 'gauge', labels: {}, value: 1 }

  it.each([
    [{ metrics: [good, good, good, { ...good, type: 'gaug' }] }, 'metrics[3].type: expected one of counter|gauge|histogram|summary, got "gaug"'],
    [{ metrics: [{ ...good, name: '1bad' }] }, 'metrics[0].name: metric names must match [a-zA-Z_:][a-zA-Z0-9_:]*, got "1bad"'],
    [{ metrics: [{ ...good, labels: { host: 7 } }] }, 'metrics[0].labels.host: label values must be strings, got 7'],
    [{ metrics: [{ ...good, labels: { __name__: 'x' } }] }, 'metrics[0].labels.__name__: label names must match'],
    [{ metrics: [{ ...good, value: '1' }] }, 'metrics[0].value: expected number, got "1"'],
    [{ metrics: [{ ...good, ts: -1 }] }, 'metrics[0].ts: must be ms since the epoch'],
    [{ metrics: [{ ...good, ts: '2024-05-01' }] }, 'metrics[0].ts: must be ms since the epoch (a number) or an RFC 3339 time'],
    [{ metrics: [{ ...good, ts: true }] }, 'metrics[0].ts: must be ms since the epoch'],
    [{ metrics: [{ name: 'x', type: 'gauge' }] }, 'metrics[0].value: is required'],
    [{ logs: [{ level: 'warn', message: 'x' }] }, 'logs[0].level: expected one of debug|info|warning|error|critical, got "warn"'],
    [{ logs: [{ level: 'info', message: 'x', attrs: { a: { constructor: 1 } } }] }, 'logs[0].attrs.a.constructor: this key is reserved'],
    [{ logs: [{ level: 'info', message: 'x', attrs: [] }] }, 'logs[0].attrs: expected an object, got an array of 0'],
    [{ spans: [{ traceId: 't', spanId: 's', name: 'n', start: 10, end: 5 }] }, 'spans[0].end: must not be before start, got 5'],
    [{ spans: [{ traceId: 't', spanId: 's', name: 'n', start: 1, end: 2, status: 'bad' }] }, 'spans[0].status: expected one of unset|ok|error'],
    [{ spans: [{ traceId: 't', spanId: 's', name: 'n', start: 1, end: 2, events: [{ ts: 1 }] }] }, 'spans[0].events[0].name: is required'],
    [{ health: [{ check: 'c', kind: 'k', status: 'sick' }] }, 'health[0].status: expected one of healthy|degraded|unhealthy|unknown, got "sick"'],
    [{ health: [{ check: 'c', kind: 'k', status: 'healthy', latencyMs: -1 }] }, 'health[0].latencyMs: must be a non-negative number'],
    [{ metrics: {} }, 'metrics: expected array, got an object'],
    [[], 'body: expected an object, got an array of 0'],
  ])('refuses %j naming the field', (json, message) => {
    const err = refusal(json)
    expect(err.status).toBe(400)
    expect(err.code).toBe('invalid_field')
    expect(err.message.startsWith(message)).toBe(true)
  })

  it('refuses unknown fields at every level, __proto__ included', () => {
    expect(refusal({ metric: [] })).toMatchObject({ code: 'unknown_field', message: 'body: unknown field "metric"' })
    expect(refusal({ metrics: [{ ...good, host: 'x' }] })).toMatchObject({ code: 'unknown_field', message: 'metrics[0]: unknown field "host"' })
    expect(refusal(JSON.parse('{"logs":[{"level":"info","message":"x","__proto__":{}}]}'))).toMatchObject({
      code: 'unknown_field',
      message: 'logs[0]: unknown field "__proto__"',
    })
    expect(refusal(JSON.parse('{"metrics":[{"name":"x","type":"gauge","value":1,"labels":{"__proto__":"a"}}]}')).message).toMatch(
      /^metrics\[0\]\.labels\.__proto__: label names must match/,
    )
  })

  it('bounds attribute nesting as the wire validator does', () => {
    const nest = (depth: number): unknown => (depth === 0 ? 'leaf' : { a: nest(depth - 1) })
    const logs = (depth: number) => ({ logs: [{ level: 'info', message: 'x', attrs: nest(depth) as Record<string, unknown> }] })
    assertWireValid(convert(logs(13)).body)
    expect(refusal(logs(14)).message).toMatch(/^logs\[0\]\.attrs(\.a){13}: attributes may nest at most 12 levels/)
    expect(() => validateBatch({ v: 1, dev: 'd', ep: 'e', seq: 1, at: 0, l: [{ ts: 0, level: 'info', message: 'x', attrs: nest(14) }] })).toThrow()
  })

  it('says how many more problems there are', () => {
    const err = refusal({ metrics: [{ ...good, type: 'x' }, { ...good, type: 'y' }, { ...good, type: 'z' }] })
    expect(err.message).toMatch(/^metrics\[0\]\.type: .* \(and 2 more problems\)$/)
  })

  it('refuses more than 100,000 records with 413 before validating them', () => {
    const err = refusal({ metrics: new Array(60_000).fill(0), logs: new Array(40_001).fill(0) })
    expect(err).toMatchObject({ status: 413, code: 'too_many_records', message: 'body: 100001 records, at most 100000 per request' })
  })
})
