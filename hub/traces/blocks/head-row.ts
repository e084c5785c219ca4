import type { SpanRecord } from '../../../protocol/batch.js'
import { decodeStored, encodeStored } from '../../storage/stored-cbor.js'
import { storedSpan, type StoredSpan } from '../records.js'

// A head row: one stored batch's spans as the device sent them, with the batch's clock correction, written with its
// dedup mark (DESIGN §5). It is on the ack path, so it is the batch's records as they came, not yet columns.

interface HeadRow {
  o: number
  s: SpanRecord[]
}

export function encodeSpanHeadRow(spans: readonly SpanRecord[], offset: number): Uint8Array {
  return encodeStored({ o: offset, s: spans as SpanRecord[] } satisfies HeadRow)
}

export function decodeSpanHeadRow(bytes: Uint8Array, dev: string): StoredSpan[] {
  const row = decodeStored<HeadRow>(bytes)
  return headSpans(row.s, dev, row.o)
}

/** The batch's spans as stored: clock-corrected, with the device, and no key whose value is undefined. */
export function headSpans(records: readonly SpanRecord[], dev: string, offset: number): StoredSpan[] {
  return records.map((record) => withoutUndefined(storedSpan(record, dev, offset)))
}

/** The span without keys whose value is undefined (a record may carry `service: undefined`). */
export function withoutUndefined(span: StoredSpan): StoredSpan {
  for (const key of Object.keys(span) as Array<keyof StoredSpan>) if (span[key] === undefined) delete span[key]
  return span
}
