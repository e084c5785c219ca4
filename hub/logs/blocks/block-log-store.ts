import type { DecodedBatch, LogRecord } from '../../../protocol/batch.js'
import type { Commit } from '../../storage/commit.js'
import type { BatchOp, Database } from '../../storage/db.js'
import type { IngestOptions } from '../../storage/types.js'
import { decodeStored } from '../../storage/stored-cbor.js'
import { dayPartitions } from '../../storage/day-partitions.js'
import { decodeHeadRow, encodeHeadRow, headRowCount } from './head-row.js'
import { ErrorRows, ErrorSummary, isErrorLevel, mergeRow, type ErrorRow } from '../error-rows.js'
import { fingerprintOf } from '../fingerprint.js'
import { clampTs, DAY_MS, dayKey, dayOf } from '../keys.js'
import type { LogStoreOptions } from '../log-store.js'
import type { ErrorGroup, ErrorQuery, LogPage, LogQuery, LogStore, PruneResult, StoredLog } from '../types.js'
import { BlockCache } from './block-cache.js'
import type { BlockSummary } from './block-codec.js'
import { planOf, searchBlocks, type StoredBlock } from './block-search.js'
import { entryOf, storedOf, type BlockLine } from './lines.js'
import { migrateLegacyLogs } from './migrate.js'
import { countByDevice, linesOfDevice, purgeBlocksOfDevice } from './device-blocks.js'
import { encodedWrites, storedBlock } from './seal.js'
import { Sealer } from './sealer.js'
import { headKey, openBlockTables, seqOfBlockKey, type BlockTables } from './tables.js'

export interface BlockLogStoreOptions extends LogStoreOptions {
  /** Lines per block, and the head size that starts a seal; default 16,384. */
  blockLines?: number
  /** Acks of new batches wait while the head holds this many lines, until a seal completes; default 8 blocks. */
  maxHeadLines?: number
  /** Worker threads sealing (sealer.ts); default 2 (1 on one core), 0 when the compiled worker file is not there. */
  sealThreads?: number
}

/**
 * Logs in compressed blocks (docs/logs.md, "Blocks"). A batch's lines are one head row staged into the batch's
 * Commit with its dedup mark (DESIGN §5); once the head holds `blockLines` lines they are sealed into blocks per UTC
 * day, written in one atomic batch with the deletes of the head rows they replace, so after a crash at any point
 * every line is stored exactly once, in the head or in a block.
 */
export class BlockLogStore implements LogStore {
  readonly retentionMs: number
  private readonly blockLines: number
  private readonly tables: BlockTables
  private readonly errors: ErrorRows
  private readonly cache: BlockCache
  /** Head rows not yet sealed, in commit order: their bytes, decoded only when read. */
  private head = new Map<string, HeadRow>()
  private headCount = 0
  /** Lines of the head rows a seal in flight is turning into blocks. */
  private sealingCount = 0
  private readonly sealer: Sealer
  /** Acks wait while the head holds this many lines (sealing lags behind ingest). */
  private readonly maxHeadLines: number
  private roomWaiters: Array<() => void> = []
  private blocks: StoredBlock[] = []
  private nextSeq = 1
  /** Seals, prunes and purges run one at a time. */
  private exclusive: Promise<unknown> = Promise.resolve()
  private sealQueued = false
  private isOpen = false

  constructor(private readonly db: Database, options: BlockLogStoreOptions = {}) {
    const retentionMs = options.retentionMs ?? 14 * DAY_MS
    if (!(retentionMs > 0)) throw new Error(`log retention must be a positive duration, got ${retentionMs}`)
    this.retentionMs = retentionMs
    this.blockLines = options.blockLines ?? 16_384
    this.tables = openBlockTables(db)
    this.errors = new ErrorRows(this.tables.errors)
    this.cache = new BlockCache(this.tables)
    this.sealer = new Sealer(options.sealThreads)
    this.maxHeadLines = options.maxHeadLines ?? 8 * this.blockLines
  }

  async open(): Promise<void> {
    if (this.isOpen) return
    // Block seqs go on from the highest stored, before the migration (resumed after a crash) adds any.
    for await (const key of this.tables.summaries.keys()) this.nextSeq = Math.max(this.nextSeq, seqOfBlockKey(key) + 1)
    await migrateLegacyLogs(this.tables, this.blockLines, () => this.nextSeq++)
    await this.errors.load()
    this.blocks = []
    for await (const [key, bytes] of this.tables.summaries.iterator()) {
      this.blocks.push(storedBlock(key, decodeStored<BlockSummary>(bytes)))
    }
    this.head = new Map()
    this.headCount = 0
    for await (const [key, bytes] of this.tables.head.iterator()) {
      const [dev, ep, seq] = key.split('\x00')
      const row: HeadRow = { dev, ep, seq: Number(seq), bytes, count: headRowCount(bytes) }
      this.addHead(key, row)
    }
    this.isOpen = true
  }

  /** Waits for a seal, prune or purge in flight. The database stays open: the hub owns it. */
  async close(): Promise<void> {
    this.isOpen = false
    this.wakeRoomWaiters()
    await this.exclusive
    await this.sealer.close()
  }

  stage(commit: Commit, batch: DecodedBatch, options: IngestOptions): void {
    if (!batch.l || batch.l.length === 0) return
    const offset = options.tsOffset ?? 0
    const key = headKey(batch.dev, batch.ep, batch.seq)
    const bytes = encodeHeadRow(batch.l, offset)
    const errors = this.errorRows(batch.dev, batch.l, offset)
    const ops: BatchOp[] = [{ type: 'put', sublevel: this.tables.head, key, value: bytes }]
    for (const e of errors) ops.push(this.errors.putOp(e.day, e.fingerprintId, batch.dev, e.row))
    commit.stage(ops)
    commit.onCommitted(() => {
      for (const e of errors) this.errors.apply(e.day, e.fingerprintId, batch.dev, e.row)
      this.addHead(key, { dev: batch.dev, ep: batch.ep, seq: batch.seq, bytes, count: batch.l!.length })
      this.sealWhenFull()
    })
    commit.holdUntil(() => this.headRoom())
  }

  /** Seals every head row present now into blocks (the hub's ingest calls it when the head is full). */
  seal(): Promise<void> {
    const run = this.exclusive.then(() => this.sealNow())
    this.exclusive = run.catch(() => undefined)
    return run
  }

  async query(query: LogQuery): Promise<LogPage> {
    this.assertOpen()
    const found = await searchBlocks(this.cache, this.headSnapshot(), this.blocks, planOf(query), query.limit + 1)
    const page = found.slice(0, query.limit)
    return { logs: page.map(([, line]) => entryOf(line)), next: found.length > query.limit ? page[page.length - 1][0] : null }
  }

  async errorSummary(query: ErrorQuery): Promise<ErrorGroup[]> {
    this.assertOpen()
    const summary = new ErrorSummary()
    for (const day of this.days()) {
      const start = day * DAY_MS
      const end = start + DAY_MS - 1
      if (end < query.from || start > query.to) continue
      if (start >= query.from && end <= query.to) {
        this.errors.addDay(day, summary, query.device)
        continue
      }
      const from = Math.max(start, query.from)
      const to = Math.min(end, query.to)
      const plan = planOf({ from, to, device: query.device, levels: ['error', 'critical'], limit: Infinity })
      for (const [, line] of await searchBlocks(this.cache, this.headSnapshot(), this.blocks, plan, Infinity)) {
        const fingerprint = fingerprintOf(line.component, line.message)
        summary.add(fingerprint.id, line.dev, {
          pattern: fingerprint.pattern, component: line.component, sample: line.message,
          level: line.level === 'critical' ? 'critical' : 'error', count: 1, first: line.ts, last: line.ts,
        })
      }
    }
    return summary.result(query.limit)
  }

  prune(now: number): Promise<PruneResult> {
    this.assertOpen()
    const run = this.exclusive.then(() => this.pruneDays(dayOf(now - this.retentionMs)))
    this.exclusive = run.catch(() => undefined)
    return run
  }

  countByDevice(from: number, to: number): Promise<Map<string, number>> {
    return countByDevice(this.cache, this.headSnapshot(), this.blocks, from, to)
  }

  purgeDevice(device: string): Promise<{ records: number }> {
    const run = this.exclusive.then(async () => {
      let records = 0
      const ops: BatchOp[] = []
      for (const [key, row] of this.head) {
        if (row.dev !== device) continue
        ops.push({ type: 'del', sublevel: this.tables.head, key })
        records += row.count
      }
      if (ops.length > 0) await this.db.batch(ops)
      for (const op of ops) this.dropHead(op.key as string)
      const purged = await purgeBlocksOfDevice(this.cache, this.blocks, device, this.blockLines, () => this.nextSeq++)
      this.blocks = purged.blocks
      records += purged.records
      const errorKeys: string[] = []
      for await (const key of this.tables.errors.keys()) if (key.endsWith(`\x00${device}`)) errorKeys.push(key)
      if (errorKeys.length > 0) await this.tables.errors.batch(errorKeys.map((key) => ({ type: 'del' as const, key })))
      await this.errors.load()
      return { records }
    })
    this.exclusive = run.catch(() => undefined)
    return run
  }

  async *exportDevice(device: string): AsyncGenerator<StoredLog> {
    for (const line of await linesOfDevice(this.cache, this.headSnapshot(), this.blocks, device)) yield storedOf(line)
  }

  /** Lines and blocks kept, for the bench and /v1/status. */
  stats(): { headLines: number; blocks: number; blockLines: number } {
    return { headLines: this.headCount, blocks: this.blocks.length, blockLines: this.blocks.reduce((n, b) => n + b.summary.count, 0) }
  }

  /** Undefined while the head has room, else a promise settled once a seal has made some. */
  private headRoom(): Promise<void> | undefined {
    if (this.headCount < this.maxHeadLines || !this.isOpen) return undefined
    return new Promise((resolve) => this.roomWaiters.push(resolve))
  }

  private wakeRoomWaiters(): void {
    const waiters = this.roomWaiters
    this.roomWaiters = []
    for (const wake of waiters) wake()
  }

  /** Queues a seal once the head holds `blockLines` lines beyond those being sealed. */
  private sealWhenFull(): void {
    if (this.headCount - this.sealingCount < this.blockLines || this.sealQueued || !this.isOpen) return
    this.sealQueued = true
    this.seal().catch(() => undefined)
  }

  private async sealNow(): Promise<void> {
    this.sealQueued = false
    const rows = [...this.head]
    if (rows.length === 0) return
    this.sealingCount = rows.reduce((n, [, row]) => n + row.count, 0)
    try {
      // Only the batch and bytes go to the worker.
      const refs = rows.map(([, r]) => ({ dev: r.dev, ep: r.ep, seq: r.seq, bytes: r.bytes }))
      const { ops, blocks } = encodedWrites(this.tables, await this.sealer.seal(refs, this.blockLines, this.sealingCount), () => this.nextSeq++)
      for (const [key] of rows) ops.push({ type: 'del', sublevel: this.tables.head, key })
      await this.db.batch(ops)
      this.blocks = [...this.blocks, ...blocks]
      for (const [key] of rows) this.dropHead(key)
    } finally {
      this.sealingCount = 0
      // Woken even when the seal failed: the next one retries, and acks must not wait on a seal that may not come.
      this.wakeRoomWaiters()
    }
    // What arrived meanwhile may fill a block already.
    this.sealWhenFull()
  }

  private async pruneDays(firstKept: number): Promise<PruneResult> {
    const expired = this.days().filter((d) => d < firstKept).length
    if (expired === 0) return { days: 0 }
    // Head rows may mix days: seal them, so the expired lines are in blocks of their day.
    if (this.headSnapshot().some((line) => dayOf(line.ts) < firstKept)) await this.sealNow()
    const partitions = dayPartitions(this.db)
    if (partitions) {
      // Day partitions (PostgreSQL): the five tables' expired days dropped in one transaction, no row deleted.
      await partitions.dropDaysBefore(['l-block', 'l-bpost', 'l-brow', 'l-bsum', 'l-err'], firstKept)
    } else {
      const below = { lt: dayKey(firstKept) }
      await this.tables.blocks.clear(below)
      await this.tables.postings.clear(below)
      await this.tables.rareRows.clear(below)
      await this.tables.summaries.clear(below)
      await this.tables.errors.clear(below)
    }
    this.blocks = this.blocks.filter((b) => b.summary.day >= firstKept)
    this.cache.clear()
    this.errors.dropBefore(firstKept)
    return { days: expired }
  }

  /** UTC days holding lines, ascending. */
  private days(): number[] {
    const days = new Set<number>()
    for (const b of this.blocks) days.add(b.summary.day)
    for (const line of this.headSnapshot()) days.add(dayOf(line.ts))
    return [...days].sort((a, b) => a - b)
  }

  private headSnapshot(): BlockLine[] {
    const out: BlockLine[] = []
    for (const row of this.head.values()) for (const line of (row.lines ??= decodeHeadRow(row.bytes, row.dev, row.ep, row.seq))) out.push(line)
    return out
  }

  private addHead(key: string, row: HeadRow): void {
    this.head.set(key, row)
    this.headCount += row.count
  }

  private dropHead(key: string): void {
    const row = this.head.get(key)
    if (!row) return
    this.head.delete(key)
    this.headCount -= row.count
  }

  /** The batch's error aggregates merged with the stored ones (error-rows.ts). */
  private errorRows(dev: string, records: readonly LogRecord[], offset: number): Array<{ day: number; fingerprintId: string; row: ErrorRow }> {
    const byKey = new Map<string, { day: number; fingerprintId: string; row: ErrorRow }>()
    for (const line of records) {
      if (!isErrorLevel(line.level)) continue
      const fingerprint = fingerprintOf(line.component, line.message)
      const ts = clampTs(line.ts + offset)
      const day = dayOf(ts)
      const row: ErrorRow = {
        pattern: fingerprint.pattern, sample: line.message, level: line.level === 'critical' ? 'critical' : 'error',
        count: 1, first: ts, last: ts,
      }
      if (line.component !== undefined) row.component = line.component
      const key = `${day}/${fingerprint.id}`
      const earlier = byKey.get(key)
      const merged = earlier ? mergeRow(earlier.row, row) : this.errors.merged(day, fingerprint.id, dev, row)
      byKey.set(key, { day, fingerprintId: fingerprint.id, row: merged })
    }
    return [...byKey.values()]
  }

  private assertOpen(): void {
    if (!this.isOpen) throw new Error('log store is not open')
  }
}

/** A head row in memory: its batch, its bytes as stored, and its lines once a read needed them. */
interface HeadRow {
  dev: string
  ep: string
  seq: number
  bytes: Uint8Array
  count: number
  lines?: BlockLine[]
}
