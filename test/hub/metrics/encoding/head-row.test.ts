import { describe, expect, it } from 'vitest'
import type { DecodedMetrics } from '../../../../protocol/batch.js'
import { decodeHeadRow, encodeHeadRow, headRowFromMetrics, summarizeHeadRow } from '../../../../hub/metrics/encoding/head-row.js'

const T0 = 1_700_000_000_000

function metrics(ts: number[], values = ts.map((_, k) => k + 0.5)): DecodedMetrics {
  return {
    series: [{ name: 'a', type: 'gauge', labels: {} }, { name: 'b', type: 'gauge', labels: {} }, { name: 'c', type: 'gauge', labels: {} }],
    index: Uint32Array.from(ts.map((_, k) => (k % 2 ? 2 : 0))),
    ts: Float64Array.from(ts),
    values: Float64Array.from(values),
  }
}

const flags = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true)

describe('head rows', () => {
  it('whole-ms times: the compact layout (14 B/sample with 16-bit ids), decoding to the same samples and summary', () => {
    const values = [0.5, -0, NaN, Infinity]
    const row = headRowFromMetrics(metrics([T0, T0, T0 + 10, T0 + 10], values), Uint32Array.of(40, 41, 7), 5)
    expect(flags(row.bytes)).toBe(3)
    expect(row.bytes.length).toBe(16 + 4 * 4 + 8 * 4 + 2 * 4)
    const back = decodeHeadRow(row.bytes)
    expect(Array.from(back.ids)).toEqual([40, 7, 40, 7])
    expect(Array.from(back.ts)).toEqual([T0 + 5, T0 + 5, T0 + 15, T0 + 15])
    expect(Array.from(back.values)).toEqual(values)
    expect(Object.is(back.values[1], -0)).toBe(true)
    expect(Array.from(row.distinctIds)).toEqual([7, 40])
    const summary = summarizeHeadRow(3, back)
    expect({ rowNo: 3, minTs: row.minTs, maxTs: row.maxTs, samples: row.samples, ids: row.distinctIds }).toEqual(summary)
  })

  it('ids above 65,535 take 32 bits; an odd count pads the values to 8 bytes; a row read at an odd offset decodes', () => {
    const row = headRowFromMetrics(metrics([T0, T0 + 1, T0 + 2]), Uint32Array.of(70_000, 0, 3), 0)
    expect(flags(row.bytes)).toBe(1)
    const shifted = new Uint8Array(row.bytes.length + 1)
    shifted.set(row.bytes, 1)
    const back = decodeHeadRow(shifted.subarray(1))
    expect(Array.from(back.ids)).toEqual([70_000, 3, 70_000])
    expect(Array.from(back.ts)).toEqual([T0, T0 + 1, T0 + 2])
    expect(Array.from(back.values)).toEqual([0.5, 1.5, 2.5])
  })

  it('fractional times (a clock shift) or a span over 49 days keep the plain layout, exactly', () => {
    for (const [ts, shift] of [[[T0, T0 + 10], 0.25], [[T0, T0 + 2 ** 33], 0]] as const) {
      const row = headRowFromMetrics(metrics([...ts]), Uint32Array.of(1, 2, 3), shift)
      expect(flags(row.bytes)).toBe(0)
      expect(Array.from(decodeHeadRow(row.bytes).ts)).toEqual(ts.map((t) => t + shift))
    }
  })

  it('leaves out unstorable times, and their series from the distinct ids', () => {
    const row = headRowFromMetrics(metrics([T0, NaN, T0 + 10, Infinity]), Uint32Array.of(40, 41, 7), 0)
    const back = decodeHeadRow(row.bytes)
    expect(Array.from(back.ids)).toEqual([40, 40])
    expect(Array.from(back.ts)).toEqual([T0, T0 + 10])
    expect(Array.from(back.values)).toEqual([0.5, 2.5])
    expect(Array.from(row.distinctIds)).toEqual([40])
    expect(headRowFromMetrics(metrics([NaN]), Uint32Array.of(1, 2, 3), 0).samples).toBe(0)
  })

  it('rows written in the plain layout by earlier versions still decode; unknown layouts are refused', () => {
    const plain = encodeHeadRow({ ids: Uint32Array.of(5, 6), ts: Float64Array.of(T0, T0 + 0.5), values: Float64Array.of(1, 2) })
    expect(flags(plain)).toBe(0)
    expect(decodeHeadRow(plain)).toEqual({ ids: Uint32Array.of(5, 6), ts: Float64Array.of(T0, T0 + 0.5), values: Float64Array.of(1, 2) })
    const odd = plain.slice()
    new DataView(odd.buffer).setUint32(4, 8, true)
    expect(() => decodeHeadRow(odd)).toThrow(/layout flags 8/)
    expect(() => decodeHeadRow(plain.subarray(0, plain.length - 1))).toThrow(/bytes, expected/)
  })
})
