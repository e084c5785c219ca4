import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { Database } from './db.js'
import { KEYSPACE } from './keyspace.js'

/** The kinds `/v1/status` reports data size by (docs/api.md), each a group of keyspace tables. */
export const DATA_KINDS = ['metrics', 'logs', 'traces', 'health', 'alerts', 'anomaly', 'audit', 'devices', 'other'] as const
export type DataKind = (typeof DATA_KINDS)[number]

/** Which kind a keyspace table belongs to, by its prefix (hub/storage/keyspace.ts). */
export function kindOf(prefix: string): DataKind {
  if (prefix.startsWith('m-')) return 'metrics'
  if (prefix.startsWith('l-')) return 'logs'
  if (prefix.startsWith('t-')) return 'traces'
  if (prefix.startsWith('h-')) return 'health'
  if (prefix.startsWith('anomaly-')) return 'anomaly'
  if (prefix.startsWith('audit')) return 'audit'
  if (/^(alert|silences|incidents|routing|webhook-queue|slack-threads|email-threads|notification-attempts|slos|report-schedule)/.test(prefix)) return 'alerts'
  if (/^(devices|device-|api-tokens|auth|agent-configs|commands)/.test(prefix)) return 'devices'
  return 'other'
}

/**
 * Bytes on disk per kind, as LevelDB estimates them for each table's key range (`approximateSize`; what is still only
 * in the memtable and its log is not counted until LevelDB flushes it), and the data directory's files in all.
 */
export async function dataSizeByKind(db: Database, dir: string): Promise<{ byKind: Record<DataKind, number>; directoryBytes: number }> {
  const byKind = Object.fromEntries(DATA_KINDS.map((k) => [k, 0])) as Record<DataKind, number>
  // `level` resolves to classic-level on Node (LevelDB), which estimates sizes; its browser typing does not say so.
  const sized = db as unknown as { approximateSize?: (start: string, end: string) => Promise<number> }
  for (const prefix of Object.keys(KEYSPACE)) {
    // A sublevel's keys are `!name!key`; a pattern table (`webhook-queue-*`) spans every name it fills in.
    const start = prefix.endsWith('*') ? `!${prefix.slice(0, -1)}` : `!${prefix}!`
    const end = start.slice(0, -1) + String.fromCharCode(start.charCodeAt(start.length - 1) + 1)
    if (sized.approximateSize) byKind[kindOf(prefix)] += await sized.approximateSize.call(db, start, end)
  }
  let directoryBytes = 0
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const s = await stat(join(dir, name)).catch(() => undefined)
    if (s?.isFile()) directoryBytes += s.size
  }
  return { byKind, directoryBytes }
}
