// The first chunk format (before Gorilla encoding), still read because chunks written by it stay on disk
// until retention drops them. Layout: mode byte (0 or 1), varint sample count, timestamps — zigzag varint
// deltas (mode 0) or raw float64 (mode 1) — then the values as raw little-endian float64.
import { readVarint, unzigzag } from './varint.js'

export const V1_MODE_VARINT_DELTAS = 0
export const V1_MODE_RAW_FLOAT = 1

export function decodeV1Chunk(bytes: Uint8Array): { ts: Float64Array; values: Float64Array } {
  const mode = bytes[0]
  const count = readVarint(bytes, 1)
  const n = count.value
  let pos = count.pos
  let ts: Float64Array
  if (mode === V1_MODE_VARINT_DELTAS) {
    // Each sample takes at least one varint byte and eight value bytes.
    if (bytes.length - pos < n * 9) throw new Error('chunk is truncated')
    ts = new Float64Array(n)
    let prev = 0
    for (let i = 0; i < n; i++) {
      const next = readVarint(bytes, pos)
      pos = next.pos
      prev += unzigzag(next.value)
      ts[i] = prev
    }
  } else if (mode === V1_MODE_RAW_FLOAT) {
    ts = copyFloat64(bytes, pos, n)
    pos += n * 8
  } else {
    throw new Error(`unknown chunk encoding mode ${mode}`)
  }
  return { ts, values: copyFloat64(bytes, pos, n) }
}

/** A Float64Array needs an 8-aligned offset, which a slice of a stored value rarely has: copy the bytes. */
export function copyFloat64(bytes: Uint8Array, offset: number, count: number): Float64Array {
  if (bytes.length < offset + count * 8) throw new Error('stored column is truncated')
  const column = new Float64Array(count)
  new Uint8Array(column.buffer).set(bytes.subarray(offset, offset + count * 8))
  return column
}
