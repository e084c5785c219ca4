import { describe, expect, it } from 'vitest'
import { decodeRollup, encodeRollup } from '../../../../hub/metrics/encoding/rollup-codec.js'
import { chunkRollups, mergeRollups, rollUp, ROLLUP_COLUMNS } from '../../../../hub/metrics/encoding/rollup.js'

const T0 = Date.UTC(2024, 0, 1)
const MINUTE = 60_000

function bits(column: Float64Array): string {
  return Buffer.from(column.buffer, column.byteOffset, column.byteLength).toString('hex')
}

describe('rollups', () => {
  it('roll up count, min, max, sum and the last sample per epoch-aligned bucket', () => {
    const ts = Float64Array.from([T0 - 1, T0, T0 + 30_000, T0 + 30_000, T0 + 3 * MINUTE + 5])
    const values = Float64Array.from([7, 2, NaN, 5, -1])
    const r = rollUp(ts, values, MINUTE)
    expect(Array.from(r.start)).toEqual([T0 - MINUTE, T0, T0 + 3 * MINUTE])
    expect(Array.from(r.count)).toEqual([1, 3, 1])
    expect(Array.from(r.min)).toEqual([7, 2, -1]) // NaN is never a min or max, as in the query reducers
    expect(Array.from(r.max)).toEqual([7, 5, -1])
    expect(Array.from(r.sum)).toEqual([7, NaN, -1])
    // Equal times: the later sample is the last.
    expect(Array.from(r.lastTs)).toEqual([T0 - 1, T0 + 30_000, T0 + 3 * MINUTE + 5])
    expect(Array.from(r.last)).toEqual([7, 5, -1])
  })

  it('merge parts that share a bucket, the later part winning last on equal times', () => {
    const a = rollUp(Float64Array.from([T0, T0 + 10]), Float64Array.from([1, 2]), MINUTE)
    const b = rollUp(Float64Array.from([T0 + 10, T0 + MINUTE]), Float64Array.from([9, 4]), MINUTE)
    const merged = mergeRollups([a, b])
    expect(Array.from(merged.start)).toEqual([T0, T0 + MINUTE])
    expect(Array.from(merged.count)).toEqual([3, 1])
    expect(Array.from(merged.sum)).toEqual([12, 4])
    expect(Array.from(merged.last)).toEqual([9, 4])
  })

  it('are written only for widths whose buckets hold enough samples', () => {
    const every = (intervalMs: number, n: number) => Float64Array.from({ length: n }, (_, k) => T0 + k * intervalMs)
    const tenSeconds = every(10_000, 720) // 2 h at 10 s: 6 per minute, 360 per hour
    expect(chunkRollups(tenSeconds, new Float64Array(720)).map(([width]) => width)).toEqual([3_600_000])
    const oneSecond = every(1_000, 7_200) // 60 per minute: decoding them is cheaper than a bucket's bytes
    expect(chunkRollups(oneSecond, new Float64Array(7_200)).map(([width]) => width)).toEqual([3_600_000])
    const halfSecond = every(500, 14_400)
    expect(chunkRollups(halfSecond, new Float64Array(14_400)).map(([width]) => width)).toEqual([MINUTE, 3_600_000])
    expect(chunkRollups(every(60_000, 120), new Float64Array(120))).toEqual([])
    expect(chunkRollups(oneSecond, new Float64Array(7_200), [MINUTE], 20).map(([width]) => width)).toEqual([MINUTE])
  })

  it('encode losslessly, bit for bit, NaN, ±Inf, decimals and jittered times included', () => {
    let seed = 7
    const random = () => (seed = (Math.imul(seed, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32
    for (const shape of ['decimal', 'float', 'special', 'integer'] as const) {
      const n = 5_000
      const ts = new Float64Array(n)
      const values = new Float64Array(n)
      let t = T0 - 3_600_000
      let v = 20
      for (let i = 0; i < n; i++) {
        t += random() < 0.01 ? 600_000 : 1_000 + Math.floor(random() * 40) - 20
        v += random() - 0.5
        ts[i] = t
        values[i] =
          shape === 'decimal' ? Math.round(v * 100) / 100
          : shape === 'float' ? v
          : shape === 'integer' ? Math.round(v * 1e6)
          : [NaN, Infinity, -Infinity, -0, v][i % 5]
      }
      for (const width of [MINUTE, 3_600_000]) {
        const rollup = rollUp(ts, values, width)
        const decoded = decodeRollup(encodeRollup(rollup))
        for (const column of ROLLUP_COLUMNS) expect(bits(decoded[column]), `${shape} ${width} ${column}`).toBe(bits(rollup[column]))
      }
    }
  })

  it('refuse corrupt bytes with a clear error', () => {
    const bytes = encodeRollup(rollUp(Float64Array.from([T0, T0 + 1000]), Float64Array.from([1, 2]), MINUTE))
    expect(() => decodeRollup(Uint8Array.from([9, ...bytes.subarray(1)]))).toThrow(/unknown rollup format 9/)
    expect(() => decodeRollup(bytes.subarray(0, 4))).toThrow(/truncated|scale/)
  })
})
