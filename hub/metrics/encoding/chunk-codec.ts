// The bytes of one compacted chunk: the samples of one series in one time window, sorted by time (the
// compactor sorts; out-of-order and equal timestamps still round-trip). Gorilla encoding (./gorilla.ts):
//   byte 0   format, by how timestamps and values are written (0 and 1: the pre-Gorilla format,
//            ./chunk-codec-v1.ts, still read):
//                                 values XOR-ed   values as delta-of-delta
//              ts delta-of-delta        2                   4
//              ts XOR-ed                3                   5
//              ts interval residuals    6                   7
//            8: both columns as frame-of-reference packed deltas (./delta-blocks.ts)
//   varint   sample count
//   byte     decimals d: the values are stored as the integers value × 10^d (0: as they are, ./decimal-scale.ts)
//   varint   first timestamp, zigzag (formats 2, 4, 6, 7 with at least one sample)
//   varint   the usual interval Δ, zigzag (formats 6, 7; ./interval-residuals.ts)
//   varint   first value (scaled), zigzag (formats 4, 5, 7)
//   bits     timestamps 1..n-1 (or 0..n-1 XOR-ed), then values 0..n-1 XOR-ed or 1..n-1 as delta-of-delta,
//            big-endian bit order
// Format 8 has, after the decimals byte: zigzag varint first timestamp, varint timestamp delta divisor, zigzag
// varint first value (scaled), varint value delta divisor, then the bits of both columns' delta blocks.
// Integer timestamps go as delta-of-delta or as residuals from the usual interval, whichever takes fewer bits
// (jittered collector ticks: residuals). Counters, uptimes and other steadily moving integers cost fewer bits as
// delta-of-delta than as XOR; the encoder writes both forms for an integer column and keeps the shorter, and for
// integer timestamps and values also format 8, whose blocks fit random-sized steps (byte counters, random walks)
// in the bits their spread needs.
// Lossless bit for bit: values (NaN payloads, -0, ±Inf, subnormals) and timestamps keep their exact pattern.
import { BitReader } from './bit-reader.js'
import { BitWriter } from './bit-writer.js'
import { decimalsOf, isValidDecimals, scaleDown, scaleUp } from './decimal-scale.js'
import { decodeV1Chunk, V1_MODE_RAW_FLOAT, V1_MODE_VARINT_DELTAS } from './chunk-codec-v1.js'
import { readTimestampDods, readXorPatterns, timestampDodBits, writeTimestampDods, writeXorPatterns } from './gorilla.js'
import { readResiduals, residualBits, usualDelta, writeResiduals } from './interval-residuals.js'
import { readVarint, unzigzag, writeVarint, zigzag } from './varint.js'
import { BLOCK_HEADER_BITS, DELTA_BLOCK, deltaDivisor, MAX_BITS_PER_VALUE, readDeltaBlocks, writeDeltaBlocks } from './delta-blocks.js'

export { copyFloat64 } from './chunk-codec-v1.js'

const FORMAT_DOD_TS = 2
const FORMAT_XOR_TS = 3
const FORMAT_DOD_TS_DOD_VALUES = 4
const FORMAT_XOR_TS_DOD_VALUES = 5
const FORMAT_RESIDUAL_TS = 6
const FORMAT_RESIDUAL_TS_DOD_VALUES = 7
const FORMAT_DELTA_BLOCKS = 8
/** Integer timestamps up to this magnitude keep zigzag and delta arithmetic exact in doubles. */
const MAX_DOD_TS = 2 ** 52
const MAX_DOD = 2 ** 53
/** Worst case per sample: a 64-bit timestamp escape (69 bits) or XOR (77 bits), plus a 77-bit value. */
const MAX_BYTES_PER_SAMPLE = 20
const MAX_HEADER_BYTES = 1 + 10 + 1 + 10 + 10 + 10

export interface DecodedChunk {
  ts: Float64Array
  values: Float64Array
}

export function encodeChunk(ts: Float64Array, values: Float64Array): Uint8Array {
  if (ts.length !== values.length) throw new Error(`chunk columns differ in length: ${ts.length} ts, ${values.length} values`)
  const times = timeEncoding(ts)
  const decimals = decimalsOf(values)
  const scaled = decimals === 0 ? values : scaleUp(values, decimals)
  const xor = encodeColumns(ts, scaled, decimals, times, false)
  if (ts.length < 2 || !fitsDods(scaled)) return xor
  const dod = encodeColumns(ts, scaled, decimals, times, true)
  const best = dod.length < xor.length ? dod : xor
  const blocks = encodeDeltaBlocks(ts, scaled, decimals)
  return blocks && blocks.length < best.length ? blocks : best
}

/** Format 8, when both columns are integers it can hold. */
function encodeDeltaBlocks(ts: Float64Array, scaled: Float64Array, decimals: number): Uint8Array | undefined {
  const tsDivisor = deltaDivisor(ts)
  const valueDivisor = tsDivisor === undefined ? undefined : deltaDivisor(scaled)
  if (tsDivisor === undefined || valueDivisor === undefined) return undefined
  const n = ts.length
  const blocks = Math.ceil((n - 1) / DELTA_BLOCK)
  const out = new Uint8Array(MAX_HEADER_BYTES + 20 + Math.ceil((2 * (n * MAX_BITS_PER_VALUE + blocks * BLOCK_HEADER_BITS)) / 8) + 8)
  out[0] = FORMAT_DELTA_BLOCKS
  let pos = writeVarint(out, 1, n)
  out[pos++] = decimals
  pos = writeVarint(out, pos, zigzag(ts[0]))
  pos = writeVarint(out, pos, tsDivisor)
  pos = writeVarint(out, pos, zigzag(scaled[0]))
  pos = writeVarint(out, pos, valueDivisor)
  const bits = new BitWriter(out, pos)
  writeDeltaBlocks(bits, ts, tsDivisor)
  writeDeltaBlocks(bits, scaled, valueDivisor)
  return out.slice(0, bits.finish())
}

interface TimeEncoding {
  mode: 'dod' | 'xor' | 'residual'
  /** The usual interval, for residuals. */
  delta: number
}

/** Integer timestamps as delta-of-delta or interval residuals, whichever is shorter; others XOR-ed. */
function timeEncoding(ts: Float64Array): TimeEncoding {
  if (!fitsDods(ts)) return { mode: 'xor', delta: 0 }
  const delta = usualDelta(ts)
  return residualBits(ts, delta) < timestampDodBits(ts) ? { mode: 'residual', delta } : { mode: 'dod', delta: 0 }
}

const FORMATS = {
  dod: [FORMAT_DOD_TS, FORMAT_DOD_TS_DOD_VALUES],
  xor: [FORMAT_XOR_TS, FORMAT_XOR_TS_DOD_VALUES],
  residual: [FORMAT_RESIDUAL_TS, FORMAT_RESIDUAL_TS_DOD_VALUES],
} as const

function encodeColumns(ts: Float64Array, scaled: Float64Array, decimals: number, times: TimeEncoding, dodValues: boolean): Uint8Array {
  const n = ts.length
  // The writer flushes whole words: 4 bytes of slack past the last sample.
  const out = new Uint8Array(MAX_HEADER_BYTES + n * MAX_BYTES_PER_SAMPLE + 4)
  out[0] = FORMATS[times.mode][dodValues ? 1 : 0]
  let pos = writeVarint(out, 1, n)
  if (n === 0) return out.slice(0, pos)
  out[pos++] = decimals
  if (times.mode !== 'xor') pos = writeVarint(out, pos, zigzag(ts[0]))
  if (times.mode === 'residual') pos = writeVarint(out, pos, zigzag(times.delta))
  if (dodValues) pos = writeVarint(out, pos, zigzag(scaled[0]))
  const bits = new BitWriter(out, pos)
  if (times.mode === 'dod') writeTimestampDods(bits, ts)
  else if (times.mode === 'residual') writeResiduals(bits, ts, times.delta)
  else writeXorPatterns(bits, int32Words(ts), n)
  if (dodValues) writeTimestampDods(bits, scaled)
  else writeXorPatterns(bits, int32Words(scaled), n)
  return out.slice(0, bits.finish())
}

export function decodeChunk(bytes: Uint8Array): DecodedChunk {
  const format = bytes[0]
  if (format === V1_MODE_VARINT_DELTAS || format === V1_MODE_RAW_FLOAT) return decodeV1Chunk(bytes)
  if (format === FORMAT_DELTA_BLOCKS) return decodeDeltaBlocks(bytes)
  if (format < FORMAT_DOD_TS || format > FORMAT_RESIDUAL_TS_DOD_VALUES) throw new Error(`unknown chunk encoding mode ${format}`)
  const residualTs = format === FORMAT_RESIDUAL_TS || format === FORMAT_RESIDUAL_TS_DOD_VALUES
  const dodTs = format === FORMAT_DOD_TS || format === FORMAT_DOD_TS_DOD_VALUES
  const dodValues = format === FORMAT_DOD_TS_DOD_VALUES || format === FORMAT_XOR_TS_DOD_VALUES || format === FORMAT_RESIDUAL_TS_DOD_VALUES
  const count = readVarint(bytes, 1)
  const n = count.value
  let pos = count.pos
  if (n === 0) return { ts: new Float64Array(0), values: new Float64Array(0) }
  if (pos >= bytes.length) throw new Error('chunk is truncated')
  const decimals = bytes[pos++]
  if (!isValidDecimals(decimals)) throw new Error(`chunk has an unknown value scale ${decimals}`)
  let first = 0
  if (dodTs || residualTs) {
    const firstTs = readVarint(bytes, pos)
    first = unzigzag(firstTs.value)
    pos = firstTs.pos
  }
  let delta = 0
  if (residualTs) {
    const read = readVarint(bytes, pos)
    delta = unzigzag(read.value)
    pos = read.pos
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
  else if (residualTs) readResiduals(bits, ts, first, delta)
  else readXorPatterns(bits, int32Words(ts), n)
  if (dodValues) readTimestampDods(bits, values, firstValue)
  else readXorPatterns(bits, int32Words(values), n)
  if (bits.overran) throw new Error('chunk is truncated')
  if (decimals !== 0) scaleDown(values, decimals)
  return { ts, values }
}

function decodeDeltaBlocks(bytes: Uint8Array): DecodedChunk {
  const count = readVarint(bytes, 1)
  const n = count.value
  let pos = count.pos
  if (n === 0) return { ts: new Float64Array(0), values: new Float64Array(0) }
  if (pos >= bytes.length) throw new Error('chunk is truncated')
  const decimals = bytes[pos++]
  if (!isValidDecimals(decimals)) throw new Error(`chunk has an unknown value scale ${decimals}`)
  const header: number[] = []
  for (let i = 0; i < 4; i++) {
    const read = readVarint(bytes, pos)
    header.push(read.value)
    pos = read.pos
  }
  const [firstTs, tsDivisor, firstValue, valueDivisor] = header
  // A block takes at least a bit per column unless its divisor is 0: a larger count is corruption, refused
  // before allocating for it.
  const columnsWithBlocks = (tsDivisor === 0 ? 0 : 1) + (valueDivisor === 0 ? 0 : 1)
  const maxCount = columnsWithBlocks === 0 ? 2 ** 24 : Math.floor(((bytes.length - pos) * 8) / columnsWithBlocks) * DELTA_BLOCK + 1
  if (n > maxCount) throw new Error('chunk is truncated')
  const ts = new Float64Array(n)
  const values = new Float64Array(n)
  const bits = new BitReader(bytes, pos)
  const ok = readDeltaBlocks(bits, ts, unzigzag(firstTs), tsDivisor) && readDeltaBlocks(bits, values, unzigzag(firstValue), valueDivisor)
  if (!ok || bits.overran) throw new Error('chunk is truncated')
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
