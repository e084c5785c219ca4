import { Encoder } from 'cbor-x'
import { describe, expect, it } from 'vitest'
import type { WireMetrics } from '../../protocol/batch.js'
import { encodeMetricsBody } from '../../protocol/column-encoder.js'
import { encodeBody } from '../../protocol/codec.js'
import { prng } from '../../agent/collectors/synthetic/index.js'

// The codec's options (protocol/codec.ts): what encodeMetricsBody must match byte for byte.
const cborx = new Encoder({ useRecords: false, mapsAsObjects: true, variableMapSize: true })
const encodeValue = (v: unknown) => cborx.encode(v)

const EDGES = [0, 1, 23, 24, 255, 256, 65_535, 65_536, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 60,
  -1, -23, -24, -25, -255, -256, -257, -65_536, -65_537, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 32), -(2 ** 32) - 1, -(2 ** 53),
  0.5, -0.5, 0.1, 1e300, -1e-300, 5e-324, NaN, Infinity, -Infinity, -0]

function metrics(v: number[]): WireMetrics {
  return { s: [['a_total', 'counter', { core: '0' }, 'bytes'], ['b', 'gauge', {}]], i: v.map((_, k) => k % 2), t: v.map((_, k) => (k === 0 ? 1.7e12 : k % 3)), v }
}

describe('encodeMetricsBody: metrics bodies without cbor-x per number, same bytes', () => {
  it('writes every number form as cbor-x does, at every array-length header size', () => {
    const random = prng(7)
    for (const n of [0, 1, 23, 24, 255, 256, 70_000]) {
      const v = Array.from({ length: n }, (_, k) => (k < EDGES.length ? EDGES[k] : random() < 0.5 ? Math.round((random() - 0.5) * 2 ** (random() * 40)) : (random() - 0.5) * 1e6))
      const body = { m: metrics(v) }
      expect(Buffer.from(encodeMetricsBody(body, encodeValue)!)).toEqual(Buffer.from(cborx.encode(body)))
    }
  })

  it('leaves other bodies to cbor-x, and encodeBody gives the same bytes either way', () => {
    const others: object[] = [
      { m: metrics([1]), l: [] },
      { m: { i: [0], s: [['x', 'gauge', {}]], t: [1], v: [1] } }, // another key order
      { m: { ...metrics([1]), v: ['x'] } },
      { m: { ...metrics([1, 2]), v: [1, undefined] } },
      { l: [{ ts: 1, level: 'info', message: 'm' }] },
    ]
    for (const body of others) {
      expect(encodeMetricsBody(body, encodeValue)).toBeUndefined()
      expect(Buffer.from(encodeBody(body))).toEqual(Buffer.from(cborx.encode(body)))
    }
    const body = { m: metrics(EDGES) }
    expect(Buffer.from(encodeBody(body))).toEqual(Buffer.from(cborx.encode(body)))
  })
})
