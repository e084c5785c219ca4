// The bytes of one rollup row (rollup.ts): the buckets of one chunk row at one width, Gorilla-encoded like
// chunks so a rollup costs a few bytes per bucket:
//   byte 0   format: 1
//   varint   bucket count n (≥ 1)
//   varint   first bucket start, zigzag; varint first last-sample time, zigzag
//   5 bytes  decimals of the count, min, max, sum and last columns (decimal-scale.ts)
//   bits     bucket starts 1..n-1 and last-sample times 1..n-1 as delta-of-delta, then the five value columns
//            XOR-encoded, big-endian bit order
// Only chunks whose timestamps are integers fit for delta-of-delta get rollups (canEncodeRollup); the rest are
// always read raw.
import { BitReader } from './bit-reader.js'
import { BitWriter } from './bit-writer.js'
import { fitsDods } from './chunk-codec.js'
import { decimalsOf, isValidDecimals, scaleDown, scaleUp } from './decimal-scale.js'
import { readTimestampDods, readXorPatterns, writeTimestampDods, writeXorPatterns } from './gorilla.js'
import { emptyRollup, type Rollup } from './rollup.js'
import { readVarint, unzigzag, writeVarint, zigzag } from './varint.js'

const FORMAT = 1
const VALUE_COLUMNS = ['count', 'min', 'max', 'sum', 'last'] as const
/** Worst case per bucket: two 69-bit timestamp escapes and five 77-bit values. */
const MAX_BYTES_PER_BUCKET = 66
const MAX_HEADER_BYTES = 1 + 10 + 10 + 10 + VALUE_COLUMNS.length

/** True when the chunk's timestamps (and so its rollups' bucket starts and last times) fit delta-of-delta. */
export function canEncodeRollup(ts: Float64Array): boolean {
  return fitsDods(ts)
}

export function encodeRollup(rollup: Rollup): Uint8Array {
  const n = rollup.start.length
  if (n === 0) throw new Error('a rollup row holds at least one bucket')
  const out = new Uint8Array(MAX_HEADER_BYTES + n * MAX_BYTES_PER_BUCKET + 4)
  out[0] = FORMAT
  let pos = writeVarint(out, 1, n)
  pos = writeVarint(out, pos, zigzag(rollup.start[0]))
  pos = writeVarint(out, pos, zigzag(rollup.lastTs[0]))
  const decimals = VALUE_COLUMNS.map((column) => decimalsOf(rollup[column]))
  for (const d of decimals) out[pos++] = d
  const bits = new BitWriter(out, pos)
  writeTimestampDods(bits, rollup.start)
  writeTimestampDods(bits, rollup.lastTs)
  VALUE_COLUMNS.forEach((column, c) => {
    const values = decimals[c] === 0 ? rollup[column] : scaleUp(rollup[column], decimals[c])
    writeXorPatterns(bits, int32Words(values), n)
  })
  return out.slice(0, bits.finish())
}

export function decodeRollup(bytes: Uint8Array): Rollup {
  if (bytes[0] !== FORMAT) throw new Error(`unknown rollup format ${bytes[0]}`)
  const count = readVarint(bytes, 1)
  const n = count.value
  const firstStart = readVarint(bytes, count.pos)
  const firstLast = readVarint(bytes, firstStart.pos)
  let pos = firstLast.pos
  const decimals = VALUE_COLUMNS.map(() => bytes[pos++])
  if (!decimals.every(isValidDecimals)) throw new Error('rollup has an unknown value scale')
  // Every bucket takes at least seven bits: a larger count is corruption, refused before allocating for it.
  if (n < 1 || n > (bytes.length - pos) * 8) throw new Error('rollup is truncated')
  const rollup = emptyRollup(n)
  const bits = new BitReader(bytes, pos)
  readTimestampDods(bits, rollup.start, unzigzag(firstStart.value))
  readTimestampDods(bits, rollup.lastTs, unzigzag(firstLast.value))
  VALUE_COLUMNS.forEach((column, c) => {
    readXorPatterns(bits, int32Words(rollup[column]), n)
    if (decimals[c] !== 0) scaleDown(rollup[column], decimals[c])
  })
  if (bits.overran) throw new Error('rollup is truncated')
  return rollup
}

function int32Words(column: Float64Array): Int32Array {
  return new Int32Array(column.buffer, column.byteOffset, column.length * 2)
}
