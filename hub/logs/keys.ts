import type { Database } from '../storage/db.js'
import { table, type Prefix } from '../storage/keyspace.js'
import { DAY_32, hexKey, MS_64, parseHexKey } from '../storage/time-keys.js'

// Key layout of the log store (docs/logs.md). Every key starts with time or a UTC day, so retention deletes whole
// days with a few range deletes and a query walks time backwards without sorting.

export const DAY_MS = 86_400_000
/** Timestamps are clamped to the range of a JS Date, so keys stay fixed width whatever a device sends. */
const MAX_TS = 8.64e15
export const SEP = '\x00'
export const EMPTY_VALUE = new Uint8Array(0)

function binarySublevel(db: Database, name: Prefix) {
  return table<Prefix, Uint8Array>(db, name)
}
export type LogSublevel = ReturnType<typeof binarySublevel>

export interface LogSublevels {
  /** `${tsKey}\0${dev}\0${ep}\0${seq}\0${k}` (the record id) → CBOR StoredLog: every record by time. */
  records: LogSublevel
  /** `${dayKey}\0${term}\0${record id}` → empty: device, level, component and word postings, per UTC day. */
  index: LogSublevel
  /** `${dayKey}\0${fingerprint id}\0${dev}` → CBOR ErrorRow: error aggregates per day, fingerprint and device. */
  errors: LogSublevel
}

export function openLogSublevels(db: Database): LogSublevels {
  return { records: binarySublevel(db, 'l-rec'), index: binarySublevel(db, 'l-idx'), errors: binarySublevel(db, 'l-err') }
}

export function clampTs(ts: number): number {
  return Math.max(-MAX_TS, Math.min(MAX_TS, Math.round(ts)))
}

/** 16 hex digits of ts + 2^63: fixed width, so key order is time order, negative times included. */
export function tsKey(ts: number): string {
  // hexKey(clampTs(ts), MS_64) without BigInt (a clamped ts is within ±2^53, so both halves are exact): log
  // blocks compute an id per line.
  const t = clampTs(ts)
  const hi = Math.floor(t / 4_294_967_296)
  const lo = t - hi * 4_294_967_296
  return (hi + 2_147_483_648).toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0')
}

export function dayOf(ts: number): number {
  return Math.floor(ts / DAY_MS)
}

export function dayKey(day: number): string {
  return hexKey(day, DAY_32)
}

export function parseDayKey(key: string): number {
  return parseHexKey(key, DAY_32)
}

/** A record's id and primary key; unique because (dev, ep, seq) names one batch exactly once (DESIGN §5). */
export function recordId(ts: number, dev: string, ep: string, seq: number, k: number): string {
  return `${tsKey(ts)}${SEP}${dev}${SEP}${ep}${SEP}${seq}${SEP}${k}`
}

export function tsOfRecordId(id: string): number {
  return parseHexKey(id, MS_64)
}

const RECORD_ID = /^[0-9a-f]{16}\x00[A-Za-z0-9._-]{1,64}\x00[A-Za-z0-9._-]{1,64}\x00\d{1,16}\x00\d{1,9}$/

export function isRecordId(id: string): boolean {
  return RECORD_ID.test(id)
}

/** Index terms: one letter for the field, then the value (values with separators are escaped). */
export const term = {
  device: (dev: string) => `d${dev}`,
  level: (level: string) => `l${level}`,
  component: (component: string) => `c${encodeURIComponent(component)}`,
  word: (word: string) => `w${word}`,
}

export function indexKey(day: number, indexTerm: string, id: string): string {
  return `${dayKey(day)}${SEP}${indexTerm}${SEP}${id}`
}

export function postingPrefix(day: number, indexTerm: string): string {
  return `${dayKey(day)}${SEP}${indexTerm}${SEP}`
}

export function errorRowKey(day: number, fingerprintId: string, dev: string): string {
  return `${dayKey(day)}${SEP}${fingerprintId}${SEP}${dev}`
}
