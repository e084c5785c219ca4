// Time partitions of the PostgreSQL store (schema version 2, docs/storage.md "Retention"): the keyspace tables whose
// keys carry a time are PostgreSQL tables partitioned by UTC day (`PARTITION BY RANGE (p)`, p = the day of the key),
// so retention drops whole days (`DROP TABLE` of a partition) instead of deleting rows. Other tables are unchanged.
import { DAY_32, MS_53, MS_64, hexKey, parseHexKey, type HexLayout } from '../time-keys.js'
import { DAY_MS } from '../day-partitions.js'
import { quote } from './keys.js'

/** The partition of keys that carry no readable time (none of the hub's keys; kept, never dropped by retention). */
export const NO_DAY = -(2 ** 52)

export interface PartitionSpec {
  /** The UTC day a key of the table belongs to; NO_DAY when it has none. */
  dayOf(key: Buffer): number
  /**
   * The first key of `day`, when the table's keys start with their time (key order is day order): a range cleared
   * then maps to whole days, which are dropped. Undefined for tables led by something else (metric chunks lead with
   * the series): their days go only through `dropDaysBefore`.
   */
  firstKey?(day: number): Buffer
}

/** A hex time key at `offset` of `layout`, whose value is `unit` ms (1: ms, DAY_MS: days). */
function hexTime(offset: number, layout: HexLayout, unit: number, led: boolean): PartitionSpec {
  const hexDigits = /^[0-9a-f]+$/
  return {
    dayOf(key) {
      const text = key.toString('latin1', offset, offset + layout.digits)
      if (text.length !== layout.digits || !hexDigits.test(text)) return NO_DAY
      return Math.floor((parseHexKey(text, layout) * unit) / DAY_MS)
    },
    firstKey: led ? (day) => Buffer.from(hexKey(Math.ceil((day * DAY_MS) / unit), layout), 'latin1') : undefined,
  }
}

/** Health history: the day as 6 decimal digits, then `|` (hub/health/keys.ts). */
const decimalDay: PartitionSpec = {
  dayOf(key) {
    const text = key.toString('latin1', 0, 6)
    return /^\d{6}$/.test(text) && key[6] === 0x7c ? Number(text) : NO_DAY
  },
  firstKey: (day) => Buffer.from(String(day).padStart(6, '0'), 'latin1'),
}

const logDay = hexTime(0, DAY_32, DAY_MS, true)
const spanHour = hexTime(0, MS_53, 1, true)
/** `series id (8 hex) \0 window start (MS_64)`: the window's day (hub/metrics/store/keys.ts). */
const chunkWindow = hexTime(9, MS_64, 1, false)

/** The partitioned tables, by keyspace prefix (hub/storage/keyspace.ts has their key layouts). */
export const PARTITIONED: Readonly<Record<string, PartitionSpec>> = {
  'l-block': logDay,
  'l-bpost': logDay,
  'l-brow': logDay,
  'l-bsum': logDay,
  'l-err': logDay,
  't-block': spanHour,
  't-bsum': spanHour,
  'h-hist': decimalDay,
  'm-chunk': chunkWindow,
  'm-rollup': chunkWindow,
}

export const partitionSpec = (prefix: string): PartitionSpec | undefined => (Object.hasOwn(PARTITIONED, prefix) ? PARTITIONED[prefix] : undefined)

/** A day's partition of table `parent`: `<parent>_p<day>` (`_pm<day>` before 1970, `_pnone` for NO_DAY). */
export function partitionName(parent: string, day: number): string {
  if (day === NO_DAY) return `${parent}_pnone`
  return day < 0 ? `${parent}_pm${-day}` : `${parent}_p${day}`
}

/** The day of a partition named by partitionName; undefined for the NO_DAY one or another name. */
export function dayOfPartition(parent: string, name: string): number | undefined {
  const m = /^_p(m?)(\d+)$/.exec(name.slice(parent.length))
  if (!name.startsWith(parent) || !m) return undefined
  return m[1] ? -Number(m[2]) : Number(m[2])
}

/** DDL of a partitioned table: p is a column of its own (a unique key must hold the partition key). */
export function createPartitionedSql(name: string): string {
  return `CREATE TABLE IF NOT EXISTS ${quote(name)} (k bytea NOT NULL, v bytea NOT NULL, p bigint NOT NULL, PRIMARY KEY (k, p)) PARTITION BY RANGE (p)`
}

export function createPartitionSql(parent: string, day: number): string {
  return `CREATE TABLE IF NOT EXISTS ${quote(partitionName(parent, day))} PARTITION OF ${quote(parent)} FOR VALUES FROM (${day}) TO (${day + 1})`
}

/** The partitions of `parent` that exist, by day (NO_DAY's left out). */
export async function listPartitions(client: { query: (text: string, values?: unknown[]) => Promise<{ rows: any[] }> }, parent: string): Promise<Map<number, string>> {
  const { rows } = await client.query(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = to_regclass($1)`,
    [quote(parent)],
  )
  const out = new Map<number, string>()
  for (const { name } of rows as Array<{ name: string }>) {
    const day = dayOfPartition(parent, name)
    if (day !== undefined) out.set(day, name)
  }
  return out
}

/** The days of a time-led table's partitions that lie wholly inside a clear's range (inner keys of the table). */
export function daysInside(spec: PartitionSpec, days: Iterable<number>, range: { gt?: Buffer; gte?: Buffer; lt?: Buffer; lte?: Buffer }): number[] {
  const first = spec.firstKey
  if (!first) return []
  const out: number[] = []
  for (const day of days) {
    const start = first(day)
    const end = first(day + 1)
    if (range.gte && Buffer.compare(range.gte, start) > 0) continue
    if (range.gt && Buffer.compare(range.gt, start) >= 0) continue
    // Every key of the day sorts below the next day's first key.
    if (range.lt && Buffer.compare(end, range.lt) > 0) continue
    if (range.lte && Buffer.compare(end, range.lte) > 0) continue
    out.push(day)
  }
  return out
}
