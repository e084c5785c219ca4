import { describe, expect, it } from 'vitest'
import { BatchTooLargeError, splitEncoded } from '../../agent/split-body.js'
import type { WireMetrics } from '../../protocol/batch.js'
import { DEFAULT_LIMITS } from '../../protocol/cbor-limits.js'
import { decodeBatch, wrapBody } from '../../protocol/codec.js'

const T0 = 1_700_000_000_000
const env = { v: 1, dev: 'd1', ep: 'e1', seq: 1, at: T0 }

function metrics(n: number, labels: unknown = { core: '0' }): WireMetrics {
  return { s: [['a', 'gauge', labels as Record<string, string>]], i: Array(n).fill(0), t: [T0, ...Array(n - 1).fill(10)], v: Array.from({ length: n }, (_, k) => k + 0.5) }
}

describe('splitEncoded', () => {
  it('splits metrics by count and by encoded size, every part a batch the hub decodes', () => {
    const parts = splitEncoded({ m: metrics(25_000) }, 10_000, 100_000)
    expect(parts.map((p) => p.body.m!.i.length)).toEqual([5_000, 5_000, 5_000, 5_000, 5_000])
    let t = T0 - 10
    for (const part of parts) {
      expect(part.bytes.byteLength).toBeLessThanOrEqual(100_000)
      const decoded = decodeBatch(wrapBody(part.bytes, env)).m!
      expect(decoded.ts[0]).toBe(t + 10)
      t = decoded.ts[decoded.ts.length - 1]
    }
    expect(t).toBe(T0 + 249_990)
  })

  it('still scans a part whose series table is not flat, and refuses one the hub could not decode', () => {
    let deep: unknown = 'x'
    for (let d = 0; d < 20; d++) deep = [deep]
    expect(() => splitEncoded({ m: metrics(3, { core: deep }) }, 10)).toThrow(BatchTooLargeError)
    expect(() => splitEncoded({ m: metrics(3) }, 10, 1_000_000, { ...DEFAULT_LIMITS, maxDepth: 4 })).toThrow(BatchTooLargeError)
  })
})
