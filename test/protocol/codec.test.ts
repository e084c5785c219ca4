import { Decoder, Encoder } from 'cbor-x'
import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, type Batch, type WireMetrics } from '../../protocol/batch.js'
import { decodeAck, decodeBatch, decodeStatus, encodeAck, encodeBatch, encodeStatus } from '../../protocol/codec.js'
import { DecodeError } from '../../protocol/errors.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'

// A plain cbor-x encoder writes payloads our own encodeBatch would refuse to produce.
const raw = new Encoder({ useRecords: false, variableMapSize: true })
const T0 = 1_700_000_000_000

function envelope(extra: Partial<Batch> = {}): Batch {
  return { v: PROTOCOL_VERSION, dev: 'pump-7', ep: 'ep_4f2a', seq: 12, at: T0 + 5_000, ...extra }
}

function fullBatch(): Batch {
  return envelope({
    lo: 9,
    hist: true,
    m: {
      s: [
        ['system_cpu_usage_ratio', 'gauge', { cpu: 'total' }, 'ratio'],
        ['system_network_receive_bytes_total', 'counter', { interface: 'eth0' }],
      ],
      i: [0, 1, 0, 1],
      t: [T0, 0, 10_000, 0],
      v: [0.25, 123_456_789, 0.5, 123_460_000],
    },
    l: [
      { ts: T0 + 1, level: 'error', message: 'disk full', component: 'store', attrs: { path: '/data', free: 0, tags: ['a', null, true] } },
      { ts: T0 + 2, level: 'info', message: 'ok', traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' },
    ],
    s: [
      {
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        parentSpanId: '00f067aa0ba902b7',
        name: 'GET /v1/readings',
        service: 'sensor-api',
        kind: 'server',
        start: T0,
        end: T0 + 42.5,
        status: 'error',
        attrs: { 'http.status_code': 503 },
        events: [{ ts: T0 + 40, name: 'exception', attrs: { message: 'timeout' } }],
      },
    ],
    h: [{ check: 'mqtt-broker', kind: 'tcp', status: 'degraded', ts: T0 + 3, latencyMs: 812.25, message: 'slow' }],
  })
}

function decodeError(fn: () => unknown): DecodeError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError)
    return err as DecodeError
  }
  throw new Error('expected a DecodeError')
}

describe('batch round trip', () => {
  it('decodes a full batch to the same content, with metrics as absolute typed columns', () => {
    const batch = fullBatch()
    const decoded = decodeBatch(encodeBatch(batch))
    const { m, ...rest } = decoded
    const { m: _wire, ...expectedRest } = batch
    expect(rest).toEqual(expectedRest)
    expect(m!.series).toEqual([
      { name: 'system_cpu_usage_ratio', type: 'gauge', labels: { cpu: 'total' }, unit: 'ratio' },
      { name: 'system_network_receive_bytes_total', type: 'counter', labels: { interface: 'eth0' } },
    ])
    expect(m!.index).toEqual(Uint32Array.from([0, 1, 0, 1]))
    expect(m!.ts).toEqual(Float64Array.from([T0, T0, T0 + 10_000, T0 + 10_000]))
    expect(m!.values).toEqual(Float64Array.from([0.25, 123_456_789, 0.5, 123_460_000]))
  })

  it('decodes MetricsBuilder output to the same samples', () => {
    const builder = new MetricsBuilder()
    const added: [string, number, number][] = []
    for (let k = 0; k < 500; k++) {
      const host = `h${k % 7}`
      const ts = T0 + ((k * 7919) % 1000) * 1000 - 3
      const value = k % 3 === 0 ? k : Math.sin(k) * 1e6
      builder.addRaw('temp_celsius', 'gauge', { host }, ts, value, k % 2 ? undefined : 'celsius')
      added.push([host, ts, value])
    }
    const decoded = decodeBatch(encodeBatch(envelope({ m: builder.build() })))
    const m = decoded.m!
    const got = Array.from(m.index, (s, k) => [m.series[s].labels.host, m.ts[k], m.values[k]] as [string, number, number])
    const order = (a: [string, number, number], b: [string, number, number]) => a[1] - b[1] || a[0].localeCompare(b[0]) || a[2] - b[2]
    expect(got.sort(order)).toEqual(added.sort(order))
    expect([...m.ts]).toEqual([...m.ts].sort((a, b) => a - b))
  })

  it('keeps every double exactly (so no lossy float32 packing): random values and their neighbours', () => {
    const f64 = new Float64Array(1)
    const u64 = new BigInt64Array(f64.buffer)
    const neighbour = (x: number, step: number) => {
      f64[0] = x
      u64[0] += BigInt(step)
      return f64[0]
    }
    const values: number[] = [NaN, Infinity, -Infinity, Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53, -(2 ** 53) - 2]
    for (let k = 0; k < 20_000; k++) {
      const decimal = (Math.round(Math.random() * 2_000_000) - 1_000_000) / [1, 10, 100, 1000, 4, 8][k % 6]
      for (const step of [-1, 0, 1]) values.push(neighbour(decimal, step))
      values.push(Math.random() * 1e9, (Math.random() - 0.5) * 1e-6, Math.fround(Math.random() * 100))
    }
    const n = values.length
    const m: WireMetrics = { s: [['x', 'gauge', {}]], i: new Array(n).fill(0), t: [T0, ...new Array(n - 1).fill(0)], v: values }
    const decoded = decodeBatch(encodeBatch(envelope({ m })), { maxBytes: 16 * n })
    const mismatches = values.filter((x, k) => !Object.is(x === 0 ? 0 : x, decoded.m!.values[k]))
    expect(mismatches).toEqual([])
  })

  it('round-trips acks and status messages', () => {
    expect(decodeAck(encodeAck({ ep: 'ep_4f2a', seq: 99 }))).toEqual({ ep: 'ep_4f2a', seq: 99 })
    const online = { state: 'online' as const, ep: 'ep_4f2a', at: T0, version: '0.1.0', host: { os: 'linux', cpus: 4 } }
    expect(decodeStatus(encodeStatus(online))).toEqual(online)
    expect(decodeStatus(encodeStatus({ state: 'offline' }))).toEqual({ state: 'offline' })
  })

  it('treats optional fields set to undefined as absent', () => {
    const decoded = decodeBatch(encodeBatch(envelope({ lo: undefined, l: [{ ts: T0, level: 'info', message: 'x', component: undefined }] })))
    expect(decoded).not.toHaveProperty('lo')
    expect(decoded.l![0]).toEqual({ ts: T0, level: 'info', message: 'x' })
    expect(decoded.l![0]).not.toHaveProperty('component')
  })
})

describe('limits', () => {
  const batchWithRawField = (key: string, valueBytes: number[]) => {
    const head = raw.encode(envelope()) // a 5-entry map: 0xa5 …
    expect(head[0]).toBe(0xa5)
    const keyBytes = raw.encode(key)
    return Uint8Array.from([0xa6, ...head.subarray(1), ...keyBytes, ...valueBytes])
  }
  const HUGE_ARRAY = [0x9b, 0, 0, 0, 1, 0, 0, 0, 0]

  it('refuses a 2^32-element array header, alone and inside a batch, in under 50 ms', () => {
    for (const input of [Uint8Array.from(HUGE_ARRAY), batchWithRawField('l', HUGE_ARRAY)]) {
      const started = performance.now()
      const err = decodeError(() => decodeBatch(input))
      expect(performance.now() - started).toBeLessThan(250)
      expect(err.code).toBe('malformed')
      expect(err.message).toMatch(/array at byte \d+ declares 4294967296 items but only 0 bytes remain/)
    }
  })

  it('refuses 10,000-deep nesting fast with too_deep', () => {
    const deep = new Uint8Array(10_001).fill(0x81)
    deep[10_000] = 0x00
    const started = performance.now()
    const err = decodeError(() => decodeBatch(deep))
    expect(performance.now() - started).toBeLessThan(250)
    expect(err.code).toBe('too_deep')
    const nested = decodeError(() => decodeBatch(batchWithRawField('l', [...new Array(30).fill(0x81), 0x00])))
    expect(nested.code).toBe('too_deep')
  })

  it('refuses oversized payloads with too_large, and honours a caller limit', () => {
    const bytes = encodeBatch(envelope({ l: [{ ts: T0, level: 'info', message: 'x'.repeat(2_000) }] }))
    expect(decodeError(() => decodeBatch(bytes, { maxBytes: 1_000 })).code).toBe('too_large')
    expect(decodeError(() => decodeBatch(new Uint8Array(1_048_577))).code).toBe('too_large')
    expect(decodeBatch(bytes, { maxBytes: 4_000 }).l![0].message).toHaveLength(2_000)
    expect(decodeError(() => decodeBatch(bytes, { maxItems: 10 })).code).toBe('too_many_items')
    expect(decodeError(() => decodeAck(new Uint8Array(70_000))).code).toBe('too_large')
    expect(decodeError(() => decodeBatch(new Uint8Array(1_048_577), { maxBytes: undefined })).code).toBe('too_large')
  })

  it('refuses truncated and garbage bytes with malformed', () => {
    const bytes = encodeBatch(fullBatch())
    for (const cut of [1, 10, bytes.length >> 1, bytes.length - 1]) {
      expect(decodeError(() => decodeBatch(bytes.subarray(0, cut))).code).toBe('malformed')
    }
    let seed = 7
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) & 0xff
    for (let k = 0; k < 200; k++) {
      const garbage = Uint8Array.from({ length: 1 + (k % 64) }, random)
      const err = decodeError(() => decodeBatch(garbage))
      expect(['malformed', 'too_deep', 'invalid_field', 'unsupported_version']).toContain(err.code)
    }
    expect(decodeError(() => decodeBatch(Uint8Array.from([...bytes, 0x00]))).message).toMatch(/1 trailing bytes/)
  })

  it('fails only with DecodeError on any corruption of a valid batch', () => {
    const bytes = encodeBatch(fullBatch())
    let seed = 11
    const random = (below: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) >> 8) % below
    const codes = new Set<string>()
    for (let k = 0; k < 5_000; k++) {
      const corrupt = Uint8Array.from(bytes)
      for (let flips = 1 + random(3); flips > 0; flips--) corrupt[random(corrupt.length)] = random(256)
      try {
        decodeBatch(corrupt)
      } catch (err) {
        expect(err).toBeInstanceOf(DecodeError)
        codes.add((err as DecodeError).code)
      }
    }
    expect(codes).toContain('malformed')
    expect(codes).toContain('invalid_field')
  })
})

describe('prototype pollution', () => {
  const evil = () => JSON.parse('{"__proto__": {"polluted": "yes"}}') as Record<string, unknown>

  it('a __proto__ key at the top level changes no prototype and is refused as unknown', () => {
    const bytes = raw.encode({ ...envelope(), ...evil() })
    const err = decodeError(() => decodeBatch(bytes))
    expect(err.code).toBe('unknown_field')
    expect(err.message).toBe('unknown field "__proto_"')
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    // what cbor-x hands the validator: an ordinary object whose renamed key is plain data
    const decoded = new Decoder({ useRecords: false, mapsAsObjects: true }).decode(bytes) as Record<string, unknown>
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.hasOwn(decoded, '__proto_')).toBe(true)
    expect(decoded.polluted).toBeUndefined()
  })

  it('a __proto__ key in labels, attrs or host changes no prototype and is refused', () => {
    const labels = raw.encode(envelope({ m: { s: [['x', 'gauge', evil() as never]], i: [0], t: [T0], v: [1] } }))
    expect(decodeError(() => decodeBatch(labels)).message).toMatch(/^m\.s\[0\]\[2\]: label names must match .*got "__proto_"$/)
    const attrs = raw.encode(envelope({ l: [{ ts: T0, level: 'info', message: 'x', attrs: { nested: evil() } }] }))
    expect(decodeError(() => decodeBatch(attrs)).message).toMatch(/^l\[0\]\.attrs\.nested: key "__proto_" is reserved/)
    const host = raw.encode({ state: 'online', host: evil() })
    expect(decodeError(() => decodeStatus(host)).message).toMatch(/^host: key "__proto_" is reserved/)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.prototype).not.toHaveProperty('polluted')
  })

  it('decoded objects are plain objects with the ordinary prototype', () => {
    const decoded = decodeBatch(encodeBatch(fullBatch()))
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype)
    expect(Object.getPrototypeOf(decoded.m!.series[0].labels)).toBe(Object.prototype)
    expect(Object.getPrototypeOf(decoded.l![0].attrs)).toBe(Object.prototype)
  })

  it('refuses constructor and other Object.prototype names as label names', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__name__']) {
      const bytes = raw.encode(envelope({ m: { s: [['x', 'gauge', { [name]: 'v' }]], i: [0], t: [T0], v: [1] } }))
      expect(decodeError(() => decodeBatch(bytes)).code).toBe('invalid_field')
    }
  })
})

describe('encoding refuses what decoding would refuse', () => {
  it('throws before a poison batch reaches the buffer', () => {
    const err = decodeError(() => encodeBatch(envelope({ m: { s: [['bad.name', 'gauge', {}]], i: [0], t: [T0], v: [1] } })))
    expect(err.code).toBe('invalid_field')
    expect(err.message).toMatch(/^m\.s\[0\]\[0\]: metric names must match/)
    expect(decodeError(() => encodeAck({ ep: 'e', seq: -1 })).message).toMatch(/^seq: must be a non-negative safe integer, got -1/)
    expect(decodeError(() => encodeAck({ ep: 'e', seq: 0, r: [[5, 3]] })).message).toMatch(/^r\[0\]: end must be >= start/)
    expect(decodeError(() => encodeStatus({ state: 'asleep' as never })).code).toBe('invalid_field')
  })

  it('refuses cyclic attrs instead of overflowing the stack', () => {
    const attrs: Record<string, unknown> = {}
    attrs.self = attrs
    const err = decodeError(() => encodeBatch(envelope({ l: [{ ts: T0, level: 'info', message: 'x', attrs }] })))
    expect(err.message).toMatch(/must nest at most 12 levels/)
  })
})
