import type { DecodedBatch, DecodedMetrics } from '../../../protocol/batch.js'
import type {
  CompactionResult,
  IngestOptions,
  IngestResult,
  MetricStore,
  MetricStoreStats,
  SeriesInfo,
  SeriesRollup,
  SeriesSamples,
  SeriesSelector,
  ChangeListener,
} from './types.js'
import { ChunkDirectory } from './chunk-directory.js'
import { Compactor, type CompactionStepPoint } from './compactor.js'
import { purgeDeviceMetrics, type MetricPurgeResult } from './purge.js'
import { dropExpiredDays, pruneBefore, prunableWindowsEnd, type PruneResult } from './pruner.js'
import { dayPartitions } from '../../storage/day-partitions.js'
import { HeadIndex } from './head-index.js'
import { decodeHeadRow, headRowFromMetrics, summarizeHeadRow, type HeadRowSummary } from '../encoding/head-row.js'
import { BatchWriter } from '../../storage/batch-writer.js'
import type { BatchStager, Commit } from '../../storage/commit.js'
import { RowCache } from './row-cache.js'
import { headRowKey, META, openSublevels, parseHeadRowKey, type BatchOp, type MetricDb, type MetricSublevels } from './keys.js'
import { readSamples, type ReadContext } from './reader.js'
import { chooseRollupWidth, readRollups } from './rollup-reader.js'
import { SeriesRegistry } from './series-registry.js'
import { decodeStored, encodeStored } from '../../storage/stored-cbor.js'
import { windowStart } from '../encoding/time-window.js'


export interface LevelMetricStoreOptions {
  /** Chunk window length, default 2 h. Fixed when the database is created; omit it to use the stored one. */
  windowMs?: number
  /** How long after a window closes its head rows wait for stragglers before compaction, default 5 min. */
  compactGraceMs?: number
  clock?: () => number
  /** Head size above which the oldest rows are compacted even in an open window. */
  maxHeadRows?: number
  maxHeadSamples?: number
  /** Head samples moved per atomic compaction write. */
  compactBatchSamples?: number
  /** Test-only: called around each compaction step's atomic write (crash tests). */
  onCompactionStep?: (point: CompactionStepPoint, step: number) => void
  participants?: BatchStager[]
  /** Fewest samples per rollup bucket, on average, for the compactor to write that width (rollup.ts, default 100). */
  rollupMinSamples?: number
  /** Memory for recently read chunk and rollup rows, decoded (row-cache.ts), default 64 MiB; 0 turns it off. */
  rowCacheBytes?: number
  /** A store other hubs write too (docs/cluster.md, "Caches over a shared store"). */
  shared?: SharedStoreOptions
}

export interface SharedStoreOptions {
  /** This hub's slot (1–255), taken at open: series ids and head row numbers are allocated within it. */
  slot: () => number | Promise<number>
  /** A read first takes in what other hubs wrote when the last look is older than this (default 1 s). */
  syncEveryMs?: number
}

/** Head row numbers per cluster slot (rows are keyed by 16 decimal digits; 255 slots fit below 2^53). */
const SLOT_ROWS = 2 ** 44

const HOUR = 3_600_000

/** DESIGN §5 and §6 on LevelDB: write-ahead head rows plus dedup marks at ingest, per-series chunks after compaction. */
export class LevelMetricStore implements MetricStore {
  private readonly subs: MetricSublevels
  private readonly clock: () => number
  private readonly graceMs: number
  private readonly writer: BatchWriter
  private readonly registry: SeriesRegistry
  private head = new HeadIndex()
  private directory = new ChunkDirectory()
  private readonly cache: RowCache
  private compactor: Compactor | undefined
  private compaction: Promise<unknown> = Promise.resolve()
  private windowMs: number
  private nextRowNo = 0
  /** Chunk windows below this were deleted by an earlier prune in this process (-Infinity: none yet). */
  private prunedWindowsEnd = -Infinity
  private isOpen = false
  private readonly listeners = new Set<ChangeListener>()
  /** Shared store: when the in-memory indexes last took in the store (performance.now()), and a sync under way. */
  private syncedAt = -Infinity
  private syncing?: Promise<void>
  private slot = 0

  constructor(
    private readonly db: MetricDb,
    private readonly options: LevelMetricStoreOptions = {},
  ) {
    if (options.windowMs !== undefined && !(Number.isInteger(options.windowMs) && options.windowMs > 0)) {
      throw new Error(`windowMs must be a positive integer, got ${options.windowMs}`)
    }
    this.subs = openSublevels(db)
    this.registry = new SeriesRegistry(this.subs.series)
    this.windowMs = options.windowMs ?? 2 * HOUR
    this.graceMs = options.compactGraceMs ?? 5 * 60_000
    this.clock = options.clock ?? Date.now
    // Metrics stage first, then the other stores, after the dedup mark: one Commit per batch (hub/storage).
    this.writer = new BatchWriter(db, [{ stage: (commit, batch, opts) => this.stage(commit, batch, opts) }, ...(options.participants ?? [])])
    this.cache = new RowCache(options.rowCacheBytes ?? 64 * 1024 * 1024)
  }

  async open(): Promise<void> {
    if (this.isOpen) return
    await this.loadWindowMs()
    const slot = (await this.options.shared?.slot()) ?? 0
    this.slot = slot
    await this.registry.load(slot)
    this.nextRowNo = slot * SLOT_ROWS
    await this.loadIndexes(slot)
    this.syncedAt = performance.now()
    this.isOpen = true
  }

  /** The head index, chunk directory and compactor, read from the store (at open, and at a shared store's sync). */
  private async loadIndexes(slot: number): Promise<void> {
    const head = new HeadIndex()
    for await (const [key, bytes] of this.subs.head.iterator()) {
      const rowNo = parseHeadRowKey(key)
      head.add(summarizeHeadRow(rowNo, decodeHeadRow(bytes)))
      if (Math.floor(rowNo / SLOT_ROWS) === slot || slot === 0) this.nextRowNo = Math.max(this.nextRowNo, rowNo + 1)
    }
    const directory = new ChunkDirectory()
    await directory.load(this.subs.chunks, this.subs.rollups)
    const compactor = new Compactor(this.db, this.subs, head, directory, {
      windowMs: this.windowMs,
      limits: { maxRows: this.options.maxHeadRows ?? 100_000, maxSamples: this.options.maxHeadSamples ?? 5_000_000 },
      batchSamples: this.options.compactBatchSamples ?? 1_000_000,
      onStep: this.options.onCompactionStep,
      rollupMinSamples: this.options.rollupMinSamples,
    })
    await compactor.load()
    this.head = head
    this.directory = directory
    this.compactor = compactor
  }

  /**
   * A shared store (docs/cluster.md): takes in the series, head rows, chunks and compaction state other hubs wrote,
   * when the last look is older than syncEveryMs (or `force`). Runs in turn with compaction and retention.
   */
  private fresh(force = false): Promise<void> {
    const shared = this.options.shared
    if (!shared || !this.isOpen) return Promise.resolve()
    if (!force && this.syncing) return this.syncing
    if (!force && performance.now() - this.syncedAt < (shared.syncEveryMs ?? 1_000)) return Promise.resolve()
    this.syncedAt = performance.now()
    const run = this.compaction.then(() => this.sync())
    this.compaction = run.catch(() => undefined)
    const syncing = (this.syncing = run.finally(() => {
      if (this.syncing === syncing) this.syncing = undefined
    }))
    return syncing
  }

  private async sync(): Promise<void> {
    await this.registry.sync()
    await this.loadIndexes(this.slot)
  }

  /**
   * A device this hub now writes for (it connected here, maybe coming from another hub): its dedup marks are read
   * from the store again, and the series other hubs made for it are taken in, so none is made twice.
   */
  async takeDevice(device: string): Promise<void> {
    this.writer.forgetMarks(device)
    await this.registry.sync()
  }

  /** Waits for ingests and compaction in flight. The database stays open: the hub owns it. */
  async close(): Promise<void> {
    this.isOpen = false
    await this.writer.idle()
    await this.compaction
  }

  /** Resolves once every ingest queued so far is written. */
  idle(): Promise<void> {
    return this.writer.idle()
  }

  ingest(batch: DecodedBatch, options: IngestOptions = {}): Promise<IngestResult> {
    if (!this.isOpen) return Promise.reject(new Error('metric store is not open'))
    return this.writer.write(batch, options)
  }

  async names(): Promise<string[]> {
    await this.fresh()
    return this.registry.names()
  }

  async series(selector: SeriesSelector): Promise<SeriesInfo[]> {
    await this.fresh()
    return this.registry
      .select(selector)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id))
      .map((info) => ({ ...info, labels: { ...info.labels } }))
  }

  async read(series: SeriesInfo[], from: number, to: number): Promise<SeriesSamples[]> {
    await this.fresh()
    const context = this.readContext()
    const samples = await readSamples(context, series, from, to)
    if (!context.missed?.head) return samples
    // Another hub compacted a head row this hub still listed: take in its chunks and read again.
    await this.fresh(true)
    return readSamples(this.readContext(), series, from, to)
  }

  /** Rollups where most chunk rows in the range have them at a width dividing `step` (rollup-reader.ts). */
  async readRollups(series: SeriesInfo[], from: number, to: number, step: number): Promise<SeriesRollup[] | undefined> {
    if (series.length === 0 || from > to) return undefined
    await this.fresh()
    for (let attempt = 0; ; attempt++) {
      const context = this.readContext()
      const width = chooseRollupWidth(context, series.map((info) => info.id), from, to, step)
      const rollups = width === undefined ? undefined : await readRollups(context, series, from, to, width)
      if (!context.missed?.head || attempt > 0) return rollups
      await this.fresh(true)
    }
  }

  onChange(listener: ChangeListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private changed(oldestTs: number): void {
    for (const listener of this.listeners) listener(oldestTs)
  }

  /** A deletion, reported when it starts (so queries under way do not cache what it removes) and when it ends. */
  private deleting<T>(run: Promise<T>): Promise<T> {
    this.changed(-Infinity)
    return run.finally(() => this.changed(-Infinity))
  }

  private readContext(): ReadContext {
    const context: ReadContext = { db: this.db, subs: this.subs, head: this.head, directory: this.directory, cache: this.cache, windowMs: this.windowMs }
    if (this.options.shared) context.missed = { head: false }
    return context
  }

  /** Head rows become compactable once the window of their newest sample closed more than the grace ago. */
  compact(now = this.clock()): Promise<CompactionResult> {
    const compactor = this.compactor
    if (!this.isOpen || !compactor) return Promise.reject(new Error('metric store is not open'))
    const cutoff = windowStart(now - this.graceMs, this.windowMs)
    // A shared store: the leader compacts every hub's head rows, so it first takes in the store as it is.
    const run = this.compaction.then(async () => {
      if (this.options.shared) await this.sync()
      return this.compactor!.compact(cutoff)
    })
    this.compaction = run.catch(() => undefined)
    return run
  }

  /**
   * Retention: deletes whole chunk rows whose window ended at or before `now - retentionMs`, and head rows
   * entirely older; a chunk straddling that moment stays until its window is out (pruner.ts). Runs in turn with
   * compaction. Cheap to call often: the chunk keys are scanned only when the cutoff entered a new window, so
   * chunks compacted later into windows already pruned (a late backfill) go at the next window's turn.
   */
  prune(now: number, retentionMs: number): Promise<PruneResult> {
    const compactor = this.compactor
    if (!this.isOpen || !compactor) return Promise.reject(new Error('metric store is not open'))
    if (!(retentionMs > 0)) return Promise.reject(new Error(`retentionMs must be positive, got ${retentionMs}`))
    const cutoff = now - retentionMs
    const windowsEnd = prunableWindowsEnd(cutoff, this.windowMs)
    const run = this.compaction.then(async () => {
      if (this.options.shared) await this.sync()
      const context = { db: this.db, subs: this.subs, head: this.head, directory: this.directory, cache: this.cache, compactor: this.compactor!, windowMs: this.windowMs, batchOps: 10_000 }
      const skipChunks = windowsEnd <= this.prunedWindowsEnd
      const ids = this.registry.all().map((info) => info.id)
      const days = dayPartitions(this.db)
      // Day partitions (PostgreSQL): whole days dropped, no row deleted (pruner.ts); the head as below.
      const dropped = days && !skipChunks ? await dropExpiredDays(context, days, ids, cutoff) : 0
      const result = await pruneBefore(context, ids, cutoff, skipChunks || days !== undefined)
      result.chunkRowsDeleted += dropped
      this.prunedWindowsEnd = Math.max(this.prunedWindowsEnd, windowsEnd)
      if (result.chunkRowsDeleted + result.headRowsDeleted > 0) this.changed(-Infinity)
      return result
    })
    this.compaction = run.catch(() => undefined)
    return run
  }

  /**
   * Retention for the series matching `labels` (`retention.selectors`, docs/storage.md): their chunk rows whose window
   * ended at or before `now - retentionMs` go, as in prune(); head rows are left to compaction and the global retention.
   */
  pruneSelected(now: number, labels: Record<string, string>, retentionMs: number): Promise<PruneResult> {
    const compactor = this.compactor
    if (!this.isOpen || !compactor) return Promise.reject(new Error('metric store is not open'))
    const run = this.compaction.then(async () => {
      if (this.options.shared) await this.sync()
      const context = { db: this.db, subs: this.subs, head: this.head, directory: this.directory, cache: this.cache, compactor: this.compactor!, windowMs: this.windowMs, batchOps: 10_000 }
      const result = await pruneBefore(context, this.registry.select({ labels }).map((info) => info.id), now - retentionMs, false, true)
      if (result.chunkRowsDeleted + result.headRowsDeleted > 0) this.changed(-Infinity)
      return result
    })
    this.compaction = run.catch(() => undefined)
    return run
  }

  /**
   * Erases every sample, series and dedup mark of `device` (purge.ts). Waits for the device's queued ingests and runs in
   * turn with compaction and retention; other devices' ingests go on meanwhile.
   */
  purgeDevice(device: string): Promise<MetricPurgeResult> {
    const compactor = this.compactor
    if (!this.isOpen || !compactor) return Promise.reject(new Error('metric store is not open'))
    return this.deleting(this.writer.purgeDevice(device, () => {
      const run = this.compaction.then(async () => {
        if (this.options.shared) await this.sync()
        const series = this.registry.select({ labels: { device } })
        const ctx = { db: this.db, subs: this.subs, head: this.head, directory: this.directory, cache: this.cache, compactor: this.compactor!, windowMs: this.windowMs }
        const result = await purgeDeviceMetrics(ctx, device, series)
        this.registry.unregister(series)
        return result
      })
      this.compaction = run.catch(() => undefined)
      return run
    }))
  }

  stats(): MetricStoreStats {
    return {
      series: this.registry.size,
      headRows: this.head.size,
      headSamples: this.head.samples,
      chunkRows: this.compactor?.chunkRows ?? 0,
    }
  }

  /** Stages the batch's metrics: new series and one head row (the BatchWriter stages the dedup mark with them). */
  private stage(commit: Commit, batch: DecodedBatch, options: IngestOptions): void {
    if (!batch.m) return
    const metrics = this.prepareMetrics(batch.m, batch.dev, options.tsOffset ?? 0)
    commit.stage(metrics.ops)
    commit.count('samples', metrics.summary?.samples ?? 0)
    commit.onCommitted(() => {
      this.registry.register(metrics.created)
      if (metrics.summary) {
        this.head.add(metrics.summary)
        this.changed(metrics.summary.minTs)
      }
    })
  }

  private prepareMetrics(metrics: DecodedMetrics, device: string, tsOffset: number) {
    const { ids, created } = this.registry.resolve(metrics.series, device)
    const ops = this.registry.writeOps(created, this.subs.postings)
    const row = headRowFromMetrics(metrics, ids, tsOffset)
    let summary: HeadRowSummary | undefined
    if (row.samples > 0) {
      const rowNo = this.nextRowNo++
      summary = { rowNo, minTs: row.minTs, maxTs: row.maxTs, samples: row.samples, ids: row.distinctIds }
      ops.push({ type: 'put', sublevel: this.subs.head, key: headRowKey(rowNo), value: row.bytes })
    }
    return { ops, created, summary }
  }

  /** Chunk keys depend on the window length, so it is fixed at creation; a different explicit value is refused. */
  private async loadWindowMs(): Promise<void> {
    const stored = await this.subs.meta.get(META.windowMs)
    if (!stored) {
      await this.subs.meta.put(META.windowMs, encodeStored(this.windowMs))
      return
    }
    const storedMs = decodeStored<number>(stored)
    if (this.options.windowMs !== undefined && this.options.windowMs !== storedMs) {
      throw new Error(`metric store was created with windowMs ${storedMs}; it cannot be opened with ${this.options.windowMs}`)
    }
    this.windowMs = storedMs
  }
}
