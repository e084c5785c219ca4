import type { BatchOp, Database } from '../../storage/db.js'
import { table, type Prefix } from '../../storage/keyspace.js'
import { hexKey, MS_64, parseHexKey } from '../../storage/time-keys.js'

/** The hub's one database (hub/storage/db.ts), as the metric store's files name it. */
export type MetricDb = Database
export type { BatchOp }

function binarySublevel(db: MetricDb, name: Prefix) {
  return table<Prefix, Uint8Array>(db, name)
}
export type BinarySublevel = ReturnType<typeof binarySublevel>

/** The metric store's sublevels, all prefixed `m-` so they never meet the hub's other tables. */
export interface MetricSublevels {
  /** Series id (hex) → CBOR {name, type, labels, unit}. */
  series: BinarySublevel
  /** Inverted index: `${term}\x00${idHex}` → empty; see postings.ts. */
  postings: BinarySublevel
  /** Write-ahead head rows: row number (padded) → column-wise samples (head-row.ts). */
  head: BinarySublevel
  /** Compacted chunks: `${idHex}\x00${window}\x00${seq}` → encodeChunk bytes. */
  chunks: BinarySublevel
  /** Rollups of compacted chunks: rollupKey(chunkKey, widthMs) → encodeRollup bytes (rollup-codec.ts). */
  rollups: BinarySublevel
  /** Store-wide settings and counters. */
  meta: BinarySublevel
}

export function openSublevels(db: MetricDb): MetricSublevels {
  return {
    series: binarySublevel(db, 'm-series'),
    postings: binarySublevel(db, 'm-post'),
    head: binarySublevel(db, 'm-head'),
    chunks: binarySublevel(db, 'm-chunk'),
    rollups: binarySublevel(db, 'm-rollup'),
    meta: binarySublevel(db, 'm-meta'),
  }
}

export const EMPTY_VALUE = new Uint8Array(0)

/** Series ids as 8 hex digits, so key order is id order. */
export function idHex(id: number): string {
  return id.toString(16).padStart(8, '0')
}

export function headRowKey(rowNo: number): string {
  return rowNo.toString().padStart(16, '0')
}

export function parseHeadRowKey(key: string): number {
  return Number(key)
}

// Window starts may be negative (a device clock before 1970) or beyond 2^53 after offsetting, so they are
// shifted by 2^63 in BigInt and written as 16 hex digits: fixed width keeps key order equal to time order.

export function windowKey(windowStart: number): string {
  return hexKey(windowStart, MS_64)
}

export function chunkKey(seriesId: number, windowStart: number, compactionSeq: number): string {
  return chunkKeyOf(idHex(seriesId), windowKey(windowStart), compactionSeq)
}

/** chunkKey from its parts already written as idHex and windowKey. */
export function chunkKeyOf(seriesHex: string, window: string, compactionSeq: number): string {
  return `${seriesHex}\x00${window}\x00${compactionSeq.toString().padStart(12, '0')}`
}

/** The parts of a chunkKey (also the start of a rollupKey). */
export function parseChunkKey(key: string): { seriesId: number; windowStart: number; seq: number } {
  return {
    seriesId: parseInt(key.slice(0, 8), 16),
    windowStart: parseHexKey(key.slice(9, 25), MS_64),
    seq: Number(key.slice(26, 38)),
  }
}

/** The rollup row of one chunk row at one level (rollup.ts): the chunk's key, then the level's bucket width. */
export function rollupKey(chunk: string, widthMs: number): string {
  return `${chunk}\x00${widthMs.toString().padStart(10, '0')}`
}

export function parseRollupWidth(key: string): number {
  return Number(key.slice(39))
}

/** Key range of every chunk row of one series whose window starts in [firstWindow, endWindow). */
export function chunkRange(seriesId: number, firstWindow: number, endWindow: number): { gte: string; lt: string } {
  const id = idHex(seriesId)
  return { gte: `${id}\x00${windowKey(firstWindow)}`, lt: `${id}\x00${windowKey(endWindow)}` }
}


/** Keys of the `m-meta` sublevel. */
export const META = {
  /** Window length the chunks were cut with; fixed for the life of the database. */
  windowMs: 'window-ms',
  /** Last compaction batch number; makes chunk keys unique across restarts. */
  compactionSeq: 'compaction-seq',
  /** Chunk rows stored, for stats() without a scan. */
  chunkRows: 'chunk-rows',
} as const
