import * as zlib from 'node:zlib'

// A stored record is [CRC32 of body, 4 bytes big-endian | body]: its size and integrity are known from the record
// itself, so the buffer needs no per-batch index in memory and can spot a damaged record before sending it.

const HEADER_BYTES = 4

/** Seq as a fixed-width key, so LevelDB's byte order is seq order. */
export const seqKey = (seq: number): string => seq.toString().padStart(16, '0')

const TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

/** CRC-32 (IEEE), table-driven: the fallback for Node releases before 20.15, which lack zlib.crc32. */
export function tableCrc32(data: Uint8Array): number {
  let crc = 0xffffffff
  for (let i = 0; i < data.length; i++) crc = TABLE[(crc ^ data[i]) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32
export const crc32: (data: Uint8Array) => number = nativeCrc32 ? (data) => nativeCrc32(data) >>> 0 : tableCrc32

export function encodeRecord(body: Uint8Array): Uint8Array {
  const record = new Uint8Array(HEADER_BYTES + body.byteLength)
  new DataView(record.buffer).setUint32(0, crc32(body))
  record.set(body, HEADER_BYTES)
  return record
}

/** The body, or undefined when the record is too short or its checksum does not match. */
export function decodeRecord(record: Uint8Array): Uint8Array | undefined {
  if (record.byteLength < HEADER_BYTES) return undefined
  const body = record.subarray(HEADER_BYTES)
  const stored = new DataView(record.buffer, record.byteOffset, HEADER_BYTES).getUint32(0)
  return stored === crc32(body) ? body : undefined
}

/** The body of a record this process just encoded (no checksum check: it is the bytes it wrote). */
export const ownBody = (record: Uint8Array): Uint8Array => record.subarray(HEADER_BYTES)

/** Body size of a stored record, trusted or not: what the byte counters add and subtract. */
export const bodyBytes = (record: Uint8Array): number => Math.max(0, record.byteLength - HEADER_BYTES)
