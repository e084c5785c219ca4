// How a root key of the abstract-level database maps to a PostgreSQL table and a key in it. abstract-level prefixes
// a sublevel's keys with `!name!`; the name picks the table (one table per keyspace table, so operators see what is
// where), the rest is the key stored in that table. Keys with no such prefix go to the root table. Keys are bytes
// and compare as bytea does (memcmp, then length): LevelDB's byte order.
import { createHash } from 'node:crypto'

const BANG = 0x21

/** The root table holds keys outside any sublevel (the abstract-level suite writes some; the hub does not). */
export const ROOT_PREFIX = ''

export interface Located {
  /** The sublevel name, '' for the root table. */
  prefix: string
  /** The key within the table. */
  key: Buffer
}

/** Splits a root key into its table and the key inside it. */
export function locate(full: Buffer): Located {
  if (full.length > 1 && full[0] === BANG) {
    const end = full.indexOf(BANG, 1)
    if (end > 1) return { prefix: full.subarray(1, end).toString('latin1'), key: full.subarray(end + 1) }
  }
  return { prefix: ROOT_PREFIX, key: full }
}

/** The root key of `key` in the table of `prefix`. */
export function fullKey(prefix: string, key: Buffer): Buffer {
  if (prefix === ROOT_PREFIX) return key
  return Buffer.concat([Buffer.from(`!${prefix}!`, 'latin1'), key])
}

/** The first root key of a table (`!name!`) and the first key after all of it (`!name"`). */
export function tableBounds(prefix: string): { lower: Buffer; upper: Buffer } {
  const lower = Buffer.from(`!${prefix}!`, 'latin1')
  const upper = Buffer.from(lower)
  upper[upper.length - 1] = BANG + 1
  return { lower, upper }
}

/**
 * The PostgreSQL table name of a sublevel: `kv_` and the name with anything outside [a-z0-9_] made `_`, plus a
 * short hash when that changed it (so `m-head` and `m_head` stay apart) or it had to be cut to fit 63 bytes.
 */
export function tableName(prefix: string): string {
  if (prefix === ROOT_PREFIX) return 'kv_root'
  const clean = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_')
  const base = `kv_${clean}`
  if (clean === prefix && base.length <= 63 && !base.startsWith('kv_root')) return base
  const hash = createHash('sha256').update(prefix).digest('hex').slice(0, 8)
  return `${base.slice(0, 54)}_${hash}`
}

/** Double-quotes an identifier made by tableName (only [a-z0-9_] inside). */
export const quote = (name: string) => `"${name}"`

export interface KeyRange {
  gt?: Buffer
  gte?: Buffer
  lt?: Buffer
  lte?: Buffer
}

/** Byte comparison as LevelDB and bytea do it. */
export const compare = (a: Buffer, b: Buffer) => Buffer.compare(a, b)

/**
 * The part of a root range that falls in one table, as a range of keys inside that table; undefined when the table
 * lies wholly outside the range.
 */
export function clipRange(range: KeyRange, prefix: string): KeyRange | undefined {
  if (prefix === ROOT_PREFIX) return range
  const { lower, upper } = tableBounds(prefix)
  const out: KeyRange = {}
  const lo = range.gte ?? range.gt
  if (lo) {
    if (compare(lo, upper) >= 0) return undefined
    if (compare(lo, lower) >= 0) {
      const inner = lo.subarray(lower.length)
      if (range.gte) out.gte = inner
      else out.gt = inner
    }
  }
  const hi = range.lte ?? range.lt
  if (hi) {
    if (compare(hi, lower) < 0 || (range.lt && compare(hi, lower) === 0)) return undefined
    if (compare(hi, upper) < 0 && hi.length >= lower.length && hi.subarray(0, lower.length).equals(lower)) {
      const inner = hi.subarray(lower.length)
      if (range.lte) out.lte = inner
      else out.lt = inner
    }
  }
  return out
}

/**
 * The one table a root range lies in, when it lies in one sublevel's table: what every store's range is. A
 * sublevel's own upper bound is `lte !name"`, which would also take a root-table key equal to `!name"`; sublevel keys
 * never are, and the hub writes no root keys.
 */
export function singleTable(range: KeyRange): string | undefined {
  const lo = range.gte ?? range.gt
  const hi = range.lte ?? range.lt
  if (!lo || !hi) return undefined
  const { prefix } = locate(lo)
  if (prefix === ROOT_PREFIX) return undefined
  return compare(hi, tableBounds(prefix).upper) <= 0 ? prefix : undefined
}
