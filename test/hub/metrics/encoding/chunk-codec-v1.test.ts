import { describe, expect, it } from 'vitest'
import { decodeChunk } from '../../../../hub/metrics/encoding/chunk-codec.js'

// Chunks written before the Gorilla format stay on disk until retention drops them: they must still decode.
// The encoder below is the first format's writer as it shipped, kept here only to produce such chunks.

function writeVarint(out: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    out[pos++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  out[pos++] = value
  return pos
}

function encodeV1Chunk(ts: Float64Array, values: Float64Array): Uint8Array {
  const n = ts.length
  let prev = 0
  const varintDeltas = ts.every((t) => {
    const ok = Number.isInteger(t) && !Object.is(t, -0) && Math.abs(t - prev) <= 2 ** 51
    prev = t
    return ok
  })
  const out = new Uint8Array(1 + 8 + n * 16)
  out[0] = varintDeltas ? 0 : 1
  let pos = writeVarint(out, 1, n)
  if (varintDeltas) {
    prev = 0
    for (const t of ts) {
      const delta = t - prev
      prev = t
      pos = writeVarint(out, pos, delta >= 0 ? delta * 2 : -delta * 2 - 1)
    }
  } else {
    out.set(new Uint8Array(ts.buffer, ts.byteOffset, ts.byteLength), pos)
    pos += n * 8
  }
  out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), pos)
  return out.slice(0, pos + n * 8)
}

const bits = (column: Float64Array) =>
  Array.from(new BigUint64Array(column.buffer.slice(column.byteOffset, column.byteOffset + column.byteLength)))

describe('chunk codec: first (pre-Gorilla) format', () => {
  it('decodes a chunk as the first format wrote it, byte for byte', () => {
    // Mode 0, 2 samples, zigzag deltas 2000 and -1000 (→ 4000, 1999), then 1.5 and -0 as little-endian float64.
    const bytes = Uint8Array.from([0, 2, 0xa0, 0x1f, 0xcf, 0x0f, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0, 0, 0, 0, 0, 0, 0, 0x80])
    const chunk = decodeChunk(bytes)
    expect(Array.from(chunk.ts)).toEqual([2000, 1000])
    expect(bits(chunk.values)).toEqual(bits(Float64Array.from([1.5, -0])))
  })

  it('decodes both first-format modes bit for bit, special values included', () => {
    const values = Float64Array.from([1.25, NaN, -0, Infinity, -Infinity, 5e-324, 17])
    for (const ts of [
      Float64Array.from({ length: 7 }, (_, i) => 1_700_000_000_000 + i * 10_000 - (i === 3 ? 20_000 : 0)),
      Float64Array.from([0.5, -0, 2 ** 60, 1, 2, 3, 4]),
    ]) {
      const bytes = encodeV1Chunk(ts, values)
      const chunk = decodeChunk(bytes)
      expect(bits(chunk.ts)).toEqual(bits(ts))
      expect(bits(chunk.values)).toEqual(bits(values))
    }
    expect(decodeChunk(encodeV1Chunk(new Float64Array(0), new Float64Array(0))).ts).toHaveLength(0)
  })

  it('refuses a truncated first-format chunk', () => {
    const bytes = encodeV1Chunk(Float64Array.from([1, 2, 3]), Float64Array.from([1, 2, 3]))
    expect(() => decodeChunk(bytes.subarray(0, bytes.length - 1))).toThrow(/truncated/)
  })
})
