// The bytes of one compacted chunk: the samples of one series in one time window, sorted by time (the
// compactor sorts; out-of-order and equal timestamps still round-trip). Gorilla encoding (./gorilla.ts):
//   byte 0   format: 2 = integer timestamps as delta-of-delta, 3 = timestamps XOR-encoded like values;
//            4 and 5 = the same, with integer values (after scaling) as delta-of-delta too instead of XOR
//            (0 and 1 are the pre-Gorilla format, ./chunk-codec-v1.ts, still read)
//   varint   sample count
//   byte     decimals d: the values are stored as the integers value × 10^d (0: as they are, ./decimal-scale.ts)
//   varint   first timestamp, zigzag (formats 2 and 4 with at least one sample)
//   varint   first value (scaled), zigzag (formats 4 and 5)
//   bits     timestamps 1..n-1 (formats 2, 4) or 0..n-1 (3, 5), then values 0..n-1 XOR-ed (2, 3) or 1..n-1 as
//            delta-of-delta (4, 5), big-endian bit order
// Counters, uptimes and other steadily moving integers cost far fewer bits as delta-of-delta than as XOR; the
// encoder writes both forms for an integer column and keeps the shorter.
// Lossless bit for bit: values (NaN payloads, -0, ±Inf, subnormals) and timestamps keep their exact pattern.
import { BitReader } from './bit-reader.js'
import { BitWriter } from './bit-writer.js'
import { decimalsOf, isValidDecimals, scaleDown, scaleUp } from './decimal-scale.js'
import { decodeV1Chunk, V1_MODE_RAW_FLOAT, V1_MODE_VARINT_DELTAS } from './chunk-codec-v1.js'
import { readTimestampDods, readXorPatterns, writeTimestampDods, writeXorPatterns } from './gorilla.js'
import { readVarint, unzigzag, writeVarint, zigzag } from './varint.js'

export { copyFloat64 } from './chunk-codec-v1.js'

const FORMAT_DOD_TS = 2
const FORMAT_XOR_TS = 3
const FORMAT_DOD_TS_DOD_VALUES = 4
const FORMAT_XOR_TS_DOD_VALUES = 5
/** Integer timestamps up to this magnitude keep zigzag and delta arithmetic exact in doubles. */
const MAX_DOD_TS = 2 ** 52
const MAX_DOD = 2 ** 53
/** Worst case per sample: a 64-bit timestamp escape (69 bits) or XOR (77 bits), plus a 77-bit value. */
const MAX_BYTES_PER_SAMPLE = 20
const MAX_HEADER_BYTES = 1 + 10 + 1 + 10 + 10

export interface DecodedChunk {
  ts: Float64Array
  values: Float64Array
}

export function encodeChunk(ts: Float64Array, values: Float64Array): Uint8Array {
  if (ts.length !== values.length) throw new Error(`chunk columns differ in length: ${ts.length} ts, ${values.length} values`)
  const dodTs = fitsDods(ts)
  const decimals = decimalsOf(values)
  const scaled = decimals === 0 ? values : scaleUp(values, decimals)
  const xor = encodeColumns(ts, scaled, decimals, dodTs, false)
  if (ts.length < 2 || !fitsDods(scaled)) return xor
  const dod = encodeColumns(ts, scaled, decimals, dodTs, true)
  return dod.length < xor.length ? dod : xor
}

function encodeColumns(ts: Float64Array, scaled: Float64Array, decimals: number, dodTs: boolean, dodValues: boolean): Uint8Array {
  const n = ts.length
  // The writer flushes whole words: 4 bytes of slack past the last sample.
  const out = new Uint8Array(MAX_HEADER_BYTES + n * MAX_BYTES_PER_SAMPLE + 4)
  out[0] = dodValues ? (dodTs ? FORMAT_DOD_TS_DOD_VALUES : FORMAT_XOR_TS_DOD_VALUES) : dodTs ? FORMAT_DOD_TS : FORMAT_XOR_TS
  let pos = writeVarint(out, 1, n)
  if (n === 0) return out.slice(0, pos)
  out[pos++] = decimals
  if (dodTs) pos = writeVarint(out, pos, zigzag(ts[0]))
  if (dodValues) pos = writeVarint(out, pos, zigzag(scaled[0]))
  const bits = new BitWriter(out, pos)
  if (dodTs) writeTimestampDods(bits, ts)
  else writeXorPatterns(bits, int32Words(ts), n)
  if (dodValues) writeTimestampDods(bits, scaled)
  else writeXorPatterns(bits, int32Words(scaled), n)
  return out.slice(0, bits.finish())
}

export function decodeChunk(bytes: Uint8Array): DecodedChunk {
  const format = bytes[0]
  if (format === V1_MODE_VARINT_DELTAS || format === V1_MODE_RAW_FLOAT) return decodeV1Chunk(bytes)
  if (format < FORMAT_DOD_TS || format > FORMAT_XOR_TS_DOD_VALUES) throw new Error(`unknown chunk encoding mode ${format}`)
  const dodTs = format === FORMAT_DOD_TS || format === FORMAT_DOD_TS_DOD_VALUES
  const dodValues = format >= FORMAT_DOD_TS_DOD_VALUES
  const count = readVarint(bytes, 1)
  const n = count.value
  let pos = count.pos
  if (n === 0) return { ts: new Float64Array(0), values: new Float64Array(0) }
  if (pos >= bytes.length) throw new Error('chunk is truncated')
  const decimals = bytes[pos++]
  if (!isValidDecimals(decimals)) throw new Error(`chunk has an unknown value scale ${decimals}`)
  let first = 0
  if (dodTs) {
    const firstTs = readVarint(bytes, pos)
    first = unzigzag(firstTs.value)
    pos = firstTs.pos
  }
  let firstValue = 0
  if (dodValues) {
    const read = readVarint(bytes, pos)
    firstValue = unzigzag(read.value)
    pos = read.pos
  }
  // Every sample takes at least one bit: a larger count is corruption, refused before allocating for it.
  if (n > (bytes.length - pos) * 8) throw new Error('chunk is truncated')
  const ts = new Float64Array(n)
  const values = new Float64Array(n)
  const bits = new BitReader(bytes, pos)
  if (dodTs) readTimestampDods(bits, ts, first)
  else readXorPatterns(bits, int32Words(ts), n)
  if (dodValues) readTimestampDods(bits, values, firstValue)
  else readXorPatterns(bits, int32Words(values), n)
  if (bits.overran) throw new Error('chunk is truncated')
  if (decimals !== 0) scaleDown(values, decimals)
  return { ts, values }
}

/** True when every timestamp is an integer whose deltas and deltas-of-deltas are exact in doubles. */
export function fitsDods(ts: Float64Array): boolean {
  let prevTs = 0
  let prevDelta = 0
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]
    // -0 is an integer, but the zigzag varint would read it back as +0.
    if (!Number.isInteger(t) || Math.abs(t) > MAX_DOD_TS || Object.is(t, -0)) return false
    if (i > 0) {
      const delta = t - prevTs
      if (Math.abs(delta - prevDelta) >= MAX_DOD) return false
      prevDelta = delta
    }
    prevTs = t
  }
  return true
}

function int32Words(column: Float64Array): Int32Array {
  return new Int32Array(column.buffer, column.byteOffset, column.length * 2)
}
