// DESIGN §6: health current and history. Staged into each batch's Commit (hub/storage/commit.ts), so a
// batch's health results, metrics and dedup mark are stored together or not at all (DESIGN §5).
import type { DecodedBatch, HealthResult } from '../../protocol/batch.js'
import type { Commit } from '../storage/commit.js'
import type { BatchOp, Database } from '../storage/db.js'
import type { IngestOptions } from '../storage/types.js'
import { table } from '../storage/keyspace.js'
import {
  currentKey,
  dayKey,
  dayOf,
  DAY_MS,
  deviceHistoryKey,
  deviceHistoryRange,
  historyKey,
  historyRange,
  MAX_KEY_TS,
  tsKey,
  type CurrentHealth,
  type HealthRow,
} from './keys.js'

import type { HealthStore, HealthStoreOptions, HistoryQuery } from './types.js'

function openTables(db: Database) {
  return {
    history: table<'h-hist', HealthRow>(db, 'h-hist'),
    byDevice: table<'h-dev', HealthRow>(db, 'h-dev'),
    current: table<'h-cur', CurrentHealth>(db, 'h-cur'),
  }
}

/** The health store in LevelDB: history by time (`h-hist`) and by device (`h-dev`), current rows (`h-cur`). */
export class LevelHealthStore implements HealthStore {
  private readonly tables: ReturnType<typeof openTables>
  private readonly clock: () => number
  /** Mirror of the `h-cur` table, loaded at open: ops() compares against it without a read. */
  private readonly currentRows = new Map<string, CurrentHealth>()
  /** Current rows a batch's write will set, applied to the mirror only once that write has committed. */
  private readonly staged = new WeakMap<DecodedBatch, CurrentHealth[]>()
  /** Oldest day still kept; current rows older than its start are hidden. */
  private keptFromDay = 0
  /** Results not stored because their (corrected) timestamp cannot be keyed. */
  skipped = 0

  constructor(
    db: Database,
    private readonly options: HealthStoreOptions,
  ) {
    this.tables = openTables(db)
    this.clock = options.clock ?? Date.now
  }

  /** Erases every health result of `device`: history by time and by device, and its current rows. */
  async purgeDevice(device: string): Promise<{ results: number }> {
    let results = 0
    const ops: Array<{ type: 'del'; key: string }> = []
    for await (const key of this.tables.history.keys()) {
      if (key.split('|')[2] !== device) continue
      ops.push({ type: 'del', key })
      results++
    }
    await this.tables.history.batch(ops)
    await this.tables.byDevice.clear({ gte: `${device}|`, lt: `${device}}` })
    await this.tables.current.clear({ gte: `${device}|`, lt: `${device}}` })
    for (const key of [...this.currentRows.keys()]) if (key.startsWith(`${device}|`)) this.currentRows.delete(key)
    return { results }
  }

  /** Every stored health result of `device`, oldest first (export). */
  async *exportDevice(device: string): AsyncGenerator<HealthRow> {
    yield* this.tables.byDevice.values({ gte: `${device}|`, lt: `${device}}` })
  }

  /** Loads the current table, then prunes; call before the first ingest. */
  async open(): Promise<void> {
    this.currentRows.clear()
    for await (const [key, row] of this.tables.current.iterator()) this.currentRows.set(key, row)
    await this.prune()
    // Stale current rows are deleted only here, before ingest starts, so a delete never races a newer put.
    const stale = [...this.currentRows].filter(([, row]) => dayOf(row.ts) < this.keptFromDay).map(([key]) => key)
    await this.tables.current.batch(stale.map((key) => ({ type: 'del' as const, key })))
    for (const key of stale) this.currentRows.delete(key)
  }

  /** Stages the batch's rows into its commit (DESIGN §5: stored with its metrics and dedup mark, or not at all). */
  stage(commit: Commit, batch: DecodedBatch, options: IngestOptions): void {
    commit.stage(this.ops(batch, options))
    commit.onCommitted(() => this.committed(batch))
  }

  /**
   * History rows for every result, and current rows for results newer than the stored one. The BatchWriter runs
   * one device's writes one at a time (stage → commit → committed), so the mirror is up to date for this device.
   */
  private ops(batch: DecodedBatch, options: IngestOptions): BatchOp[] {
    if (!batch.h?.length) return []
    const offset = options.tsOffset ?? 0
    const ops: BatchOp[] = []
    const newest = new Map<string, CurrentHealth>()
    for (const result of batch.h) {
      const row = toRow(batch.dev, result, offset)
      if (!row) {
        this.skipped++
        continue
      }
      ops.push({ type: 'put', sublevel: this.tables.history, key: historyKey(row), value: row })
      ops.push({ type: 'put', sublevel: this.tables.byDevice, key: deviceHistoryKey(row), value: row })
      const key = currentKey(row.device, row.check)
      const previous = newest.get(key) ?? this.currentRows.get(key)
      if (previous && previous.ts >= row.ts) continue
      newest.set(key, { ...row, since: previous && previous.status === row.status ? previous.since : row.ts })
    }
    for (const [key, row] of newest) ops.push({ type: 'put', sublevel: this.tables.current, key, value: row })
    if (newest.size > 0) this.staged.set(batch, [...newest.values()])
    return ops
  }

  private committed(batch: DecodedBatch): void {
    for (const row of this.staged.get(batch) ?? []) this.currentRows.set(currentKey(row.device, row.check), row)
    this.staged.delete(batch)
  }

  /** Newest result per (device, check), sorted by device then check; one device's only when `device` is given. */
  current(device?: string): CurrentHealth[] {
    const keptFrom = this.keptFromDay * DAY_MS
    return [...this.currentRows.values()]
      .filter((row) => row.ts >= keptFrom && (device === undefined || row.device === device))
      .sort((a, b) => (a.device === b.device ? compare(a.check, b.check) : compare(a.device, b.device)))
      .map((row) => ({ ...row }))
  }

  /** History rows with ts in [from, to], newest first; `limit + 1` are read so callers can tell there are more. */
  async history(query: HistoryQuery): Promise<{ rows: HealthRow[]; more: boolean }> {
    const { device, check, limit } = query
    const from = Math.max(query.from, this.keptFromDay * DAY_MS)
    if (from > query.to) return { rows: [], more: false }
    const [table, range] =
      device === undefined
        ? [this.tables.history, historyRange(from, query.to)]
        : [this.tables.byDevice, deviceHistoryRange(device, from, query.to)]
    const rows: HealthRow[] = []
    for await (const row of table.values({ ...range, reverse: true })) {
      if (check !== undefined && row.check !== check) continue
      if (rows.length === limit) return { rows, more: true }
      rows.push(row)
    }
    return { rows, more: false }
  }

  /** Deletes history of whole days before the day holding `now - retention` (DESIGN §6: by range, never rewriting). */
  async prune(now = this.clock()): Promise<{ keptFromDay: number }> {
    const keptFromDay = Math.max(0, dayOf(now - this.options.retentionMs))
    if (keptFromDay > this.keptFromDay) this.keptFromDay = keptFromDay
    await this.tables.history.clear({ lt: `${dayKey(this.keptFromDay)}|` })
    const devices = new Set([...this.currentRows.values()].map((row) => row.device))
    const cutoff = tsKey(this.keptFromDay * DAY_MS)
    for (const device of devices) await this.tables.byDevice.clear({ gte: `${device}|`, lt: `${device}|${cutoff}` })
    return { keptFromDay: this.keptFromDay }
  }
}

function toRow(device: string, result: HealthResult, offset: number): HealthRow | undefined {
  const ts = Math.round(result.ts + offset)
  if (!(ts >= 0 && ts <= MAX_KEY_TS)) return undefined
  const row: HealthRow = { device, check: result.check, kind: result.kind, status: result.status, ts }
  if (result.latencyMs !== undefined) row.latencyMs = result.latencyMs
  if (result.message !== undefined) row.message = result.message
  return row
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
