import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION } from '../../protocol/batch.js'
import { DecodeError, type DecodeErrorCode } from '../../protocol/errors.js'
import { isValidLabelName, isValidMetricName, validateAck, validateBatch, validateStatus } from '../../protocol/validate.js'

const T0 = 1_700_000_000_000

function batch(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { v: PROTOCOL_VERSION, dev: 'pump-7', ep: 'ep1', seq: 5, at: T0, ...extra }
}

function metrics(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { s: [['up', 'gauge', { job: 'agent' }], ['load1', 'gauge', {}, 'ratio']], i: [0, 1], t: [T0, 0], v: [1, 0.5], ...extra }
}

function refusal(raw: unknown, validate: (raw: unknown) => unknown = validateBatch): { code: DecodeErrorCode; message: string } {
  try {
    validate(raw)
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError)
    return { code: (err as DecodeError).code, message: (err as DecodeError).message }
  }
  throw new Error(`accepted ${JSON.stringify(raw)}`)
}

describe('validateBatch: envelope', () => {
  it('accepts a minimal batch and copies only known fields', () => {
    expect(validateBatch(batch())).toEqual({ v: 1, dev: 'pump-7', ep: 'ep1', seq: 5, at: T0 })
    expect(validateBatch(batch({ lo: 5, hist: false }))).toEqual({ ...batch(), lo: 5, hist: false })
  })

  it('refuses other protocol versions with unsupported_version, naming both', () => {
    for (const v of [0, 2, '1', undefined]) {
      const { code, message } = refusal(batch({ v }))
      expect(code).toBe('unsupported_version')
      expect(message).toMatch(/^v: protocol version .* is not supported \(this decoder speaks version 1\)$/)
    }
    // the version is judged before anything else, so a v2 batch with new fields is not 'unknown_field'
    expect(refusal(batch({ v: 2, newField: true })).message).toBe('v: protocol version 2 is not supported (this decoder speaks version 1)')
  })

  it('refuses unknown top-level keys, naming the key', () => {
    expect(refusal(batch({ extra: 1 }))).toEqual({ code: 'unknown_field', message: 'unknown field "extra"' })
  })

  it('refuses payloads that are not maps', () => {
    for (const raw of [null, 1, 'batch', [1], new Uint8Array(2)]) {
      expect(refusal(raw)).toMatchObject({ code: 'invalid_field', message: expect.stringMatching(/^batch: must be a map, got/) })
    }
  })

  const cases: [string, Record<string, unknown>, string][] = [
    ['dev missing', { dev: undefined }, 'dev: is required, got undefined'],
    ['dev with a slash', { dev: 'a/b' }, 'dev: must be a device id matching [A-Za-z0-9._-]{1,64}, not a reserved name, got "a/b"'],
    ['dev __proto__', { dev: '__proto__' }, 'dev: must be a device id'],
    ['ep too long', { ep: 'e'.repeat(65) }, 'ep: must be an epoch id'],
    ['ep with a dot', { ep: 'a.b' }, 'ep: must be an epoch id'],
    ['ep empty', { ep: '' }, 'ep: must be an epoch id matching [A-Za-z0-9_-]{1,64}, not a reserved name, got ""'],
    ['seq zero', { seq: 0 }, 'seq: must be a positive safe integer, got 0'],
    ['seq fraction', { seq: 1.5 }, 'seq: must be a positive safe integer, got 1.5'],
    ['seq unsafe', { seq: 2 ** 53 }, 'seq: must be a positive safe integer, got 9007199254740992'],
    ['seq string', { seq: '5' }, 'seq: must be a positive safe integer, got "5"'],
    ['at NaN', { at: NaN }, 'at: must be a finite number, got NaN'],
    ['at infinite', { at: Infinity }, 'at: must be a finite number, got Infinity'],
    ['lo negative', { lo: -1 }, 'lo: must be a positive safe integer, got -1'],
    ['lo above seq', { lo: 6 }, 'lo: lowest held seq 6 is above seq 5'],
    ['hist not boolean', { hist: 1 }, 'hist: must be a boolean, got 1'],
    ['l not an array', { l: {} }, 'l: must be an array, got a map'],
  ]
  it.each(cases)('refuses %s with invalid_field naming the field', (_name, extra, message) => {
    const got = refusal(batch(extra))
    expect(got.code).toBe('invalid_field')
    expect(got.message.startsWith(message)).toBe(true)
  })
})

describe('validateBatch: metrics', () => {
  it('decodes columns to absolute typed arrays, allowing NaN and infinities', () => {
    const m = validateBatch(batch({ m: metrics({ i: [0, 1, 0], t: [T0, 5, -2], v: [NaN, Infinity, -Infinity] }) })).m!
    expect(m.series).toEqual([
      { name: 'up', type: 'gauge', labels: { job: 'agent' } },
      { name: 'load1', type: 'gauge', labels: {}, unit: 'ratio' },
    ])
    expect(m.index).toBeInstanceOf(Uint32Array)
    expect([...m.index]).toEqual([0, 1, 0])
    expect([...m.ts]).toEqual([T0, T0 + 5, T0 + 3])
    expect([...m.values]).toEqual([NaN, Infinity, -Infinity])
  })

  it('accepts empty columns and a colon in metric names', () => {
    const m = validateBatch(batch({ m: { s: [['job:up:rate5m', 'summary', {}]], i: [], t: [], v: [] } })).m!
    expect(m.index).toHaveLength(0)
  })

  const cases: [string, Record<string, unknown>, DecodeErrorCode, string][] = [
    ['an unknown key', { x: [] }, 'unknown_field', 'm: unknown field "x"'],
    ['an index out of range', { i: [0, 7] }, 'invalid_field', 'm.i[1]: series index 7 out of range (table has 2 series)'],
    ['a negative index', { i: [-1, 0] }, 'invalid_field', 'm.i[0]: must be a series index (a non-negative integer), got -1'],
    ['a fractional index', { i: [0, 0.5] }, 'invalid_field', 'm.i[1]: must be a series index'],
    ['a string index', { i: ['0', 0] }, 'invalid_field', 'm.i[0]: must be a series index (a non-negative integer), got "0"'],
    ['columns of different lengths', { v: [1] }, 'invalid_field', 'm: columns i, t, v differ in length (2, 2, 1)'],
    ['a missing column', { t: undefined }, 'invalid_field', 'm.t: must be an array, got undefined'],
    ['a fractional delta', { t: [T0, 0.5] }, 'invalid_field', 'm.t[1]: must be a delta in ms (a safe integer), got 0.5'],
    ['a non-integer first timestamp', { t: ['x', 0] }, 'invalid_field', 'm.t[0]: must be a timestamp in ms (a safe integer), got "x"'],
    ['a running sum past 2^53', { t: [2 ** 53 - 1, 1] }, 'invalid_field', 'm.t[1]: timestamp leaves the safe integer range'],
    ['a string value', { v: [1, '2'] }, 'invalid_field', 'm.v[1]: must be a number, got "2"'],
    ['a null value', { v: [null, 2] }, 'invalid_field', 'm.v[0]: must be a number, got null'],
    ['a series that is not an array', { s: [{}] }, 'invalid_field', 'm.s[0]: a series must be [name, type, labels] or [name, type, labels, unit], got a map'],
    ['a series with 5 elements', { s: [['up', 'gauge', {}, 'u', 'x']] }, 'invalid_field', 'm.s[0]: a series must be'],
    ['a bad metric name', { s: [['9lives', 'gauge', {}]] }, 'invalid_field', 'm.s[0][0]: metric names must match [a-zA-Z_:][a-zA-Z0-9_:]*, got "9lives"'],
    ['a bad type', { s: [['up', 'meter', {}]] }, 'invalid_field', 'm.s[0][1]: must be one of counter, gauge, histogram, summary, got "meter"'],
    ['labels as an array', { s: [['up', 'gauge', []]] }, 'invalid_field', 'm.s[0][2]: must be a map, got an array of 0'],
    ['a bad label name', { s: [['up', 'gauge', { 'a-b': 'x' }]] }, 'invalid_field', 'm.s[0][2]: label names must match'],
    ['a reserved label name', { s: [['up', 'gauge', { __name__: 'x' }]] }, 'invalid_field', 'm.s[0][2]: label names must match'],
    ['a numeric label value', { s: [['up', 'gauge', { job: 1 }]] }, 'invalid_field', 'm.s[0][2].job: label values must be strings, got 1'],
    ['a numeric unit', { s: [['up', 'gauge', {}, 1]] }, 'invalid_field', 'm.s[0][3]: must be a string, got 1'],
  ]
  it.each(cases)('refuses %s', (_name, extra, code, message) => {
    const got = refusal(batch({ m: metrics(extra) }))
    expect(got.code).toBe(code)
    expect(got.message.startsWith(message), got.message).toBe(true)
  })
})

describe('validateBatch: logs, spans, health', () => {
  const log = { ts: T0, level: 'info', message: 'hello' }
  const span = { traceId: 't', spanId: 's', name: 'op', start: T0, end: T0 + 1 }
  const health = { check: 'disk', kind: 'disk', status: 'healthy', ts: T0 }

  it('accepts minimal records', () => {
    expect(validateBatch(batch({ l: [log], s: [span], h: [health] }))).toMatchObject({ l: [log], s: [span], h: [health] })
  })

  const cases: [string, Record<string, unknown>, DecodeErrorCode, string][] = [
    ['a log without message', { l: [{ ts: T0, level: 'info' }] }, 'invalid_field', 'l[0].message: is required'],
    ['a log with a bad level', { l: [log, { ...log, level: 'warn' }] }, 'invalid_field', 'l[1].level: must be one of debug, info, warning, error, critical, got "warn"'],
    ['a log with an unknown key', { l: [{ ...log, severity: 3 }] }, 'unknown_field', 'l[0]: unknown field "severity"'],
    ['a log with array attrs', { l: [{ ...log, attrs: [] }] }, 'invalid_field', 'l[0].attrs: must be a map, got an array of 0'],
    ['a log attr holding bytes', { l: [{ ...log, attrs: { raw: new Uint8Array(3) } }] }, 'invalid_field', 'l[0].attrs.raw: must be a string, number, boolean, null, array or map, got a byte string of 3'],
    ['a log attr holding undefined', { l: [{ ...log, attrs: { a: [1, undefined] } }] }, 'invalid_field', 'l[0].attrs.a[1]: must be a string, number, boolean, null, array or map, got undefined'],
    ['a log with a numeric component', { l: [{ ...log, component: 7 }] }, 'invalid_field', 'l[0].component: must be a string, got 7'],
    ['a span with a bad status', { s: [{ ...span, status: 'failed' }] }, 'invalid_field', 's[0].status: must be one of unset, ok, error'],
    ['a span without end', { s: [{ ...span, end: undefined }] }, 'invalid_field', 's[0].end: is required'],
    ['a span event without name', { s: [{ ...span, events: [{ ts: T0 }] }] }, 'invalid_field', 's[0].events[0].name: is required'],
    ['a span event with an unknown key', { s: [{ ...span, events: [{ ts: T0, name: 'e', x: 1 }] }] }, 'unknown_field', 's[0].events[0]: unknown field "x"'],
    ['health with a bad status', { h: [{ ...health, status: 'ok' }] }, 'invalid_field', 'h[0].status: must be one of healthy, degraded, unhealthy, unknown, got "ok"'],
    ['health with a string latency', { h: [{ ...health, latencyMs: '5' }] }, 'invalid_field', 'h[0].latencyMs: must be a finite number, got "5"'],
    ['a health record that is a string', { h: ['disk'] }, 'invalid_field', 'h[0]: must be a map, got "disk"'],
  ]
  it.each(cases)('refuses %s', (_name, extra, code, message) => {
    const got = refusal(batch(extra))
    expect(got.code).toBe(code)
    expect(got.message.startsWith(message), got.message).toBe(true)
  })
})

describe('acks and status', () => {
  it('validate acks strictly', () => {
    expect(validateAck({ ep: 'ep1', seq: 3 })).toEqual({ ep: 'ep1', seq: 3 })
    expect(refusal({ ep: 'ep1', seq: 3, x: 1 }, validateAck)).toEqual({ code: 'unknown_field', message: 'unknown field "x"' })
    expect(refusal({ ep: 'ep1' }, validateAck).message).toBe('seq: is required, got undefined')
    expect(refusal({ ep: 'a/b', seq: 1 }, validateAck).message).toMatch(/^ep: must be an epoch id/)
  })

  it('validate status messages strictly', () => {
    expect(validateStatus({ state: 'offline' })).toEqual({ state: 'offline' })
    expect(refusal({ state: 'gone' }, validateStatus).message).toBe('state: must be one of online, offline, got "gone"')
    expect(refusal({ state: 'online', host: 'x' }, validateStatus).message).toBe('host: must be a map, got "x"')
    expect(refusal({ state: 'online', pid: 1 }, validateStatus).code).toBe('unknown_field')
  })
})

describe('name rules', () => {
  it('follow Prometheus', () => {
    expect(['a', '_x', 'a:b_c9', ':x'].every(isValidMetricName)).toBe(true)
    expect(['', '1a', 'a-b', 'a.b', 'é'].some(isValidMetricName)).toBe(false)
    expect(['a', '_x', 'le', 'quantile', 'a9_'].every(isValidLabelName)).toBe(true)
    expect(['', ':x', '1a', '__name__', '__proto__', 'constructor', 'valueOf', 'prototype'].some(isValidLabelName)).toBe(false)
  })
})
