import type { Database } from '../../storage/db.js'
import { table } from '../../storage/keyspace.js'
import { dayKey, parseDayKey } from '../keys.js'

// The block store's tables (docs/storage.md). Block keys start with the UTC day, so retention clears whole days
// with one range delete per table, as before.

export function openBlockTables(db: Database) {
  return {
    /** `${dev}\0${ep}\0${seq}` → the batch's log lines (head-row.ts): the head, one row a batch. */
    head: table<'l-head', Uint8Array>(db, 'l-head'),
    /** `${block key}\0${page}` → one page of a block (block-codec.ts); format 1: block key → the block (block-v1.ts). */
    blocks: table<'l-block', Uint8Array>(db, 'l-block'),
    /** `${block key}\0${word}` → varint posting list of the block's rows holding the word. */
    postings: table<'l-bpost', Uint8Array>(db, 'l-bpost'),
    /** `${block key}\0${row}` → one line of a rare word of the block (rare-rows.ts), when its summary has `rareRows`. */
    rareRows: table<'l-brow', Uint8Array>(db, 'l-brow'),
    /** block key → CBOR BlockSummary, loaded at open. */
    summaries: table<'l-bsum', Uint8Array>(db, 'l-bsum'),
    /** Error aggregates, as the LevelDB store keeps them (error-rows.ts). */
    errors: table<'l-err', Uint8Array>(db, 'l-err'),
    /** The LevelDB store's records and postings: read once by the migration (migrate.ts), then empty. */
    legacyRecords: table<'l-rec', Uint8Array>(db, 'l-rec'),
    legacyIndex: table<'l-idx', Uint8Array>(db, 'l-idx'),
  }
}
export type BlockTables = ReturnType<typeof openBlockTables>

export function blockKey(day: number, seq: number): string {
  return `${dayKey(day)}\x00${String(seq).padStart(12, '0')}`
}

/** A format-2 block's page row: 4 digits, so pages sort in order after the block key. */
export function pageKey(blockKey: string, page: number): string {
  return `${blockKey}\x00${String(page).padStart(4, '0')}`
}

export function seqOfBlockKey(key: string): number {
  return Number(key.slice(9))
}

export function dayOfBlockKey(key: string): number {
  return parseDayKey(key)
}

export function headKey(dev: string, ep: string, seq: number): string {
  return `${dev}\x00${ep}\x00${seq}`
}
