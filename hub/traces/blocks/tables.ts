import type { Database } from '../../storage/db.js'
import { table } from '../../storage/keyspace.js'
import { startKey } from '../keys.js'

// The span block store's tables (docs/storage.md). Block keys start with the hour their spans started in, so key
// order is time order.

export const WINDOW_MS = 3_600_000

export function openSpanBlockTables(db: Database) {
  return {
    /** `${dev}\0${ep}\0${seq}` → CBOR {o: ts offset, s: the batch's span records}: the head, one row a batch. */
    head: table<'t-head', Uint8Array>(db, 't-head'),
    /** block key → the block (block-codec.ts). */
    blocks: table<'t-block', Uint8Array>(db, 't-block'),
    /** block key → CBOR SpanBlockSummary, loaded at open. */
    summaries: table<'t-bsum', Uint8Array>(db, 't-bsum'),
  }
}
export type SpanBlockTables = ReturnType<typeof openSpanBlockTables>

/** The start of the window (hour) holding `start`. */
export function windowOf(start: number): number {
  return Math.floor(start / WINDOW_MS) * WINDOW_MS
}

export function spanBlockKey(window: number, seq: number): string {
  return `${startKey(window)}\x00${String(seq).padStart(12, '0')}`
}

export function seqOfSpanBlockKey(key: string): number {
  return Number(key.slice(key.indexOf('\x00') + 1))
}

export function spanHeadKey(dev: string, ep: string, seq: number): string {
  return `${dev}\x00${ep}\x00${seq}`
}
