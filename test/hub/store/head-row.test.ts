import { describe, expect, it } from 'vitest'
import type { DecodedMetrics } from '../../../protocol/batch.js'
import { decodeHeadRow, encodeHeadRow, headRowFromMetrics, summarizeHeadRow } from '../../../hub/store/level/head-row.js'

const T0 = 1_700_000_000_000

function metrics(ts: number[]): DecodedMetrics {
  return {
    series: [{ name: 'a', type: 'gauge', labels: {} }, { name: 'b', type: 'gauge', labels: {} }, { name: 'c', type: 'gauge', labels: {} }],
    index: Uint32Array.from(ts.map((_, k) => (k % 2 ? 2 : 0))),
    ts: Float64Array.from(ts),
    values: Float64Array.from(ts.map((_, k) => k + 0.5)),
  }
}

describe('head rows', () => {
  it('a row that keeps every sample encodes in place and decodes to the same samples; its distinct ids are the ids used', () => {
    const row = headRowFromMetrics(metrics([T0, T0, T0 + 10, T0 + 10]), Uint32Array.of(40, 41, 7), 5)
    const bytes = encodeHeadRow(row)
    expect(bytes.buffer).toBe(row.ts.buffer) // no copy
    const back = decodeHeadRow(bytes)
    expect(Array.from(back.ids)).toEqual([40, 7, 40, 7])
    expect(Array.from(back.ts)).toEqual([T0 + 5, T0 + 5, T0 + 15, T0 + 15])
    expect(Array.from(back.values)).toEqual([0.5, 1.5, 2.5, 3.5])
    expect(Array.from(row.distinctIds)).toEqual([7, 40])
    expect(summarizeHeadRow(3, row, row.distinctIds)).toEqual(summarizeHeadRow(3, back))
  })

  it('a row that drops unstorable times is copied compactly, and its distinct ids leave out series with nothing kept', () => {
    const row = headRowFromMetrics(metrics([T0, NaN, T0 + 10, Infinity]), Uint32Array.of(40, 41, 7), 0)
    const back = decodeHeadRow(encodeHeadRow(row))
    expect(Array.from(back.ids)).toEqual([40, 40])
    expect(Array.from(back.ts)).toEqual([T0, T0 + 10])
    expect(Array.from(back.values)).toEqual([0.5, 2.5])
    expect(Array.from(row.distinctIds)).toEqual([40])
    expect(summarizeHeadRow(1, row, row.distinctIds)).toEqual(summarizeHeadRow(1, back))
  })
})
