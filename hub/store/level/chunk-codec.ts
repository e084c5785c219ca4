// The bytes of one compacted chunk: the samples of one series in one time window, sorted by time.
// Layout: mode byte, varint sample count, timestamps, then the values as raw little-endian float64.
// Timestamps are zigzag varint deltas when every one is an integer with small enough steps (the usual
// case: ms since epoch); otherwise raw float64, so any number round-trips exactly.
// Issue 4 replaces the values (and timestamps) with Gorilla XOR encoding behind these two functions.

const MODE_VARINT_DELTAS = 0
const MODE_RAW_FLOAT = 1
/** Largest |delta| whose zigzag form (2|d|) stays an exact double: keeps the varint arithmetic exact. */
const MAX_VARINT_DELTA = 2 ** 51

export interface DecodedChunk {
  ts: Float64Array
  values: Float64Array
}

export function encodeChunk(ts: Float64Array, values: Float64Array): Uint8Array {
  if (ts.length !== values.length) throw new Error(`chunk columns differ in length: ${ts.length} ts, ${values.length} values`)
  const n = ts.length
  const mode = fitsVarintDeltas(ts) ? MODE_VARINT_DELTAS : MODE_RAW_FLOAT
  // Upper bound: mode + count varint + 8 bytes per timestamp (a 52-bit varint is 8 bytes) + 8 per value.
  const out = new Uint8Array(1 + 8 + n * 8 + n * 8)
  out[0] = mode
  let pos = writeVarint(out, 1, n)
  if (mode === MODE_VARINT_DELTAS) {
    let prev = 0
    for (let i = 0; i < n; i++) {
      const delta = ts[i] - prev
      prev = ts[i]
      pos = writeVarint(out, pos, delta >= 0 ? delta * 2 : -delta * 2 - 1)
    }
  } else {
    out.set(float64Bytes(ts), pos)
    pos += n * 8
  }
  out.set(float64Bytes(values), pos)
  pos += n * 8
  return out.slice(0, pos)
}

export function decodeChunk(bytes: Uint8Array): DecodedChunk {
  const mode = bytes[0]
  const count = readVarint(bytes, 1)
  const n = count.value
  let pos = count.pos
  let ts: Float64Array
  if (mode === MODE_VARINT_DELTAS) {
    ts = new Float64Array(n)
    let prev = 0
    for (let i = 0; i < n; i++) {
      const next = readVarint(bytes, pos)
      pos = next.pos
      const z = next.value
      prev += z % 2 === 0 ? z / 2 : -(z + 1) / 2
      ts[i] = prev
    }
  } else if (mode === MODE_RAW_FLOAT) {
    ts = copyFloat64(bytes, pos, n)
    pos += n * 8
  } else {
    throw new Error(`unknown chunk encoding mode ${mode}`)
  }
  return { ts, values: copyFloat64(bytes, pos, n) }
}

function fitsVarintDeltas(ts: Float64Array): boolean {
  let prev = 0
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]
    // -0 is an integer but a varint cannot carry its sign.
    if (!Number.isInteger(t) || Object.is(t, -0) || Math.abs(t - prev) > MAX_VARINT_DELTA) return false
    prev = t
  }
  return true
}

/** Unsigned LEB128 of a non-negative integer up to 2^53; division instead of bit operators, which stop at 32 bits. */
function writeVarint(out: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    out[pos++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  out[pos++] = value
  return pos
}

function readVarint(bytes: Uint8Array, pos: number): { value: number; pos: number } {
  let value = 0
  let scale = 1
  for (;;) {
    if (pos >= bytes.length) throw new Error('chunk is truncated')
    const byte = bytes[pos++]
    value += (byte & 0x7f) * scale
    if (byte < 0x80) return { value, pos }
    scale *= 0x80
  }
}

// Typed arrays use the platform's byte order; every platform Node supports in practice is little-endian.
function float64Bytes(column: Float64Array): Uint8Array {
  return new Uint8Array(column.buffer, column.byteOffset, column.byteLength)
}

/** A Float64Array needs an 8-aligned offset, which a slice of a stored value rarely has: copy the bytes. */
export function copyFloat64(bytes: Uint8Array, offset: number, count: number): Float64Array {
  if (bytes.length < offset + count * 8) throw new Error('stored column is truncated')
  const column = new Float64Array(count)
  new Uint8Array(column.buffer).set(bytes.subarray(offset, offset + count * 8))
  return column
}
