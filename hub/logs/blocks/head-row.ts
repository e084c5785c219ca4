import { LOG_LEVELS, type LogRecord } from '../../../protocol/batch.js'
import { clampTs } from '../keys.js'
import type { BlockLine } from './lines.js'

// A head row: one stored batch's log lines, written with its dedup mark (DESIGN §5). It is on the ack path, so its
// layout is the cheapest to write: times as float64, levels as bytes, and the text columns as one JSON array
// (JSON.stringify of string arrays runs several times faster than CBOR of the records).
//
//   u8 version (1) | f64 ts offset | u32 n | f64 ts × n | u8 level × n | utf-8 JSON [messages, components,
//   trace ids, span ids, attrs] (null where a record has none)

const VERSION = 1

export function encodeHeadRow(records: readonly LogRecord[], offset: number): Uint8Array {
  const n = records.length
  const messages: string[] = new Array(n)
  const components: Array<string | null> = new Array(n)
  const traceIds: Array<string | null> = new Array(n)
  const spanIds: Array<string | null> = new Array(n)
  const attrs: Array<Record<string, unknown> | null> = new Array(n)
  const head = Buffer.allocUnsafe(13 + 9 * n)
  head.writeUInt8(VERSION, 0)
  head.writeDoubleLE(offset, 1)
  head.writeUInt32LE(n, 9)
  for (let i = 0; i < n; i++) {
    const r = records[i]
    head.writeDoubleLE(r.ts, 13 + 8 * i)
    head[13 + 8 * n + i] = LOG_LEVELS.indexOf(r.level)
    messages[i] = r.message
    components[i] = r.component ?? null
    traceIds[i] = r.traceId ?? null
    spanIds[i] = r.spanId ?? null
    attrs[i] = r.attrs ?? null
  }
  const text = JSON.stringify([messages, components, traceIds, spanIds, attrs])
  // A buffer of its own (Buffer.concat may hand out a slice of a shared pool): the store keeps the row in memory
  // until it is sealed, and a worker gets a copy of the whole underlying buffer. The JSON is written straight into
  // it: no intermediate buffer of the text to allocate and copy.
  const out = Buffer.from(new ArrayBuffer(head.length + Buffer.byteLength(text)))
  out.set(head)
  out.write(text, head.length)
  return new Uint8Array(out.buffer)
}

/** The row's lines, clock-corrected, as the batch (dev, ep, seq) stored them. */
export function decodeHeadRow(bytes: Uint8Array, dev: string, ep: string, seq: number): BlockLine[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (buf[0] !== VERSION) throw new Error(`log head row of ${dev}/${ep}/${seq}: unknown version ${buf[0]}`)
  const offset = buf.readDoubleLE(1)
  const n = buf.readUInt32LE(9)
  const [messages, components, traceIds, spanIds, attrs] = JSON.parse(buf.toString('utf8', 13 + 9 * n)) as [
    string[], Array<string | null>, Array<string | null>, Array<string | null>, Array<Record<string, unknown> | null>,
  ]
  const lines: BlockLine[] = new Array(n)
  for (let k = 0; k < n; k++) {
    const line: BlockLine = { ts: clampTs(buf.readDoubleLE(13 + 8 * k) + offset), dev, ep, seq, k, level: LOG_LEVELS[buf[13 + 8 * n + k]], message: messages[k] }
    if (components[k] !== null) line.component = components[k]!
    if (attrs[k] !== null) line.attrs = attrs[k]!
    if (traceIds[k] !== null) line.traceId = traceIds[k]!
    if (spanIds[k] !== null) line.spanId = spanIds[k]!
    lines[k] = line
  }
  return lines
}

/** Lines in a head row, without decoding it. */
export function headRowCount(bytes: Uint8Array): number {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32LE(9)
}
