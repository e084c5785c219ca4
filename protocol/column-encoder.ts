import type { WireMetrics } from './batch.js'

// The agent's hot path: a metrics body is three long number arrays and a small series table. cbor-x encodes each
// number through its generic value switch; this writes them in one loop, with cbor-x's exact choice of form for
// every number (so the bytes are the same: test/protocol/column-encoder.test.ts), and lets cbor-x encode the rest.

/** Encodes one value (the series table) with the codec's own encoder. */
export type ValueEncoder = (value: unknown) => Uint8Array

const MAX_NUMBER_BYTES = 9

/**
 * `{m: {s, i, t, v}}` as CBOR, byte for byte what cbor-x (useRecords false, variableMapSize) writes for it;
 * undefined for any other body or column content, which the caller then encodes with cbor-x.
 */
export function encodeMetricsBody(body: object, encodeValue: ValueEncoder): Uint8Array | undefined {
  const keys = Object.keys(body)
  if (keys.length !== 1 || keys[0] !== 'm') return undefined
  const m = (body as { m: WireMetrics }).m
  const mKeys = m && typeof m === 'object' ? Object.keys(m) : []
  if (mKeys.length !== 4 || mKeys[0] !== 's' || mKeys[1] !== 'i' || mKeys[2] !== 't' || mKeys[3] !== 'v') return undefined
  if (!Array.isArray(m.i) || !Array.isArray(m.t) || !Array.isArray(m.v)) return undefined
  const table = encodeValue(m.s)
  const n = m.i.length + m.t.length + m.v.length
  const out = new Uint8Array(16 + table.length + 3 * 6 + n * MAX_NUMBER_BYTES)
  const view = new DataView(out.buffer)
  let p = 0
  out[p++] = 0xa1 // map(1)
  out[p++] = 0x61 // text(1)
  out[p++] = 0x6d // "m"
  out[p++] = 0xa4 // map(4)
  out[p++] = 0x61
  out[p++] = 0x73 // "s"
  out.set(table, p)
  p += table.length
  for (const [key, column] of [[0x69, m.i], [0x74, m.t], [0x76, m.v]] as const) {
    out[p++] = 0x61
    out[p++] = key
    p = writeNumbers(out, view, p, column)
    if (p < 0) return undefined
  }
  return out.subarray(0, p)
}

/** Writes an array of numbers as cbor-x does; -1 if an item is not a number. */
function writeNumbers(out: Uint8Array, view: DataView, start: number, values: readonly unknown[]): number {
  let p = writeArrayHeader(out, view, start, values.length)
  for (let k = 0; k < values.length; k++) {
    const value = values[k]
    if (typeof value !== 'number') return -1
    if (value >>> 0 === value) {
      // non-negative integer up to 32 bits
      if (value < 0x18) out[p++] = value
      else if (value < 0x100) (out[p++] = 0x18), (out[p++] = value)
      else if (value < 0x10000) (out[p++] = 0x19), view.setUint16(p, value), (p += 2)
      else (out[p++] = 0x1a), view.setUint32(p, value), (p += 4)
    } else if (value >> 0 === value) {
      // negative integer, 31 bits or less
      if (value >= -0x18) out[p++] = 0x1f - value
      else if (value >= -0x100) (out[p++] = 0x38), (out[p++] = ~value)
      else if (value >= -0x10000) (out[p++] = 0x39), view.setUint16(p, ~value), (p += 2)
      else (out[p++] = 0x3a), view.setUint32(p, ~value), (p += 4)
    } else if (value < 0 && value >= -0x100000000 && Math.floor(value) === value) {
      ;(out[p++] = 0x3a), view.setUint32(p, -1 - value), (p += 4)
    } else {
      ;(out[p++] = 0xfb), view.setFloat64(p, value), (p += 8)
    }
  }
  return p
}

function writeArrayHeader(out: Uint8Array, view: DataView, p: number, length: number): number {
  if (length < 0x18) out[p++] = 0x80 | length
  else if (length < 0x100) (out[p++] = 0x98), (out[p++] = length)
  else if (length < 0x10000) (out[p++] = 0x99), view.setUint16(p, length), (p += 2)
  else (out[p++] = 0x9a), view.setUint32(p, length), (p += 4)
  return p
}
