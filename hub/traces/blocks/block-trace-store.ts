import type { DecodedBatch } from '../../../protocol/batch.js'
import { Bloom } from '../../logs/blocks/bloom.js'
import type { Commit } from '../../storage/commit.js'
import type { BatchOp, Database } from '../../storage/db.js'
import { DAY_MS, dayPartitions, type DayPartitions } from '../../storage/day-partitions.js'
import { decodeStored } from '../../storage/stored-cbor.js'
import type { IngestOptions } from '../../storage/types.js'
import type { StoredSpan } from '../records.js'
import type { TraceSearch } from '../search.js'
import type { OperationStats, TraceStatsQuery } from '../stats.js'
import type { TraceStoreOptions } from '../trace-store.js'
import { buildTraceTree, summarizeTrace, type TraceSummary } from '../tree.js'
import type { TraceLookup, TraceStore } from '../types.js'
import type { SpanBlockSummary } from './block-codec.js'
import { blockStats, findTraceIds, readTrace, type SpanView } from './block-read.js'
import { blockSpansOfDevice, rewriteBlocks } from './device-blocks.js'
import { decodeSpanHeadRow, encodeSpanHeadRow, headSpans } from './head-row.js'
import { migrateLegacySpans } from './migrate.js'
import { spanBlockWrites, type StoredSpanBlock } from './seal.js'
import { SpanBlockCache } from './span-cache.js'
import { openSpanBlockTables, seqOfSpanBlockKey, spanHeadKey, type SpanBlockTables } from './tables.js'

export interface BlockTraceStoreOptions extends TraceStoreOptions {
  /** Spans per block, and the head size that starts a seal; default 16,384. */
  blockSpans?: number
  /** A head row older than this starts a seal at the next commit, so a quiet hub's spans get compressed too; 10 min. */
  sealAfterMs?: number
  /**
   * Once this many bytes of head rows were sealed, LevelDB compacts the head's key range, so the disk the deleted rows
   * held is given back now rather than when LevelDB's own compaction gets there; default 64 MiB, 0 never.
   */
  reclaimHeadBytes?: number
}

interface HeadRow {
  dev: string
  spans: StoredSpan[]
  at: number
  bytes: number
}

/**
 * Spans in compressed blocks (docs/traces.md, "Blocks"). A batch's spans are one head row staged into the batch's
 * Commit with its dedup mark (DESIGN §5), so a span is acked only once durable; once the head holds `blockSpans`
 * spans they are sealed into blocks per hour of start, written in one atomic batch with the deletes of the head rows
 * they replace, so after a crash at any point every span is stored exactly once, in the head or in a block.
 */
export class BlockTraceStore implements TraceStore {
  private readonly tables: SpanBlockTables
  private readonly cache: SpanBlockCache
  private readonly blockSpans: number
  private readonly sealAfterMs: number
  private readonly reclaimHeadBytes: number
  private sealedHeadBytes = 0
  private readonly maxSpansPerTrace: number
  private readonly maxStatsSpans: number
  /** Head rows not yet sealed, in commit order, and their spans by trace id. */
  private head = new Map<string, HeadRow>()
  private headByTrace = new Map<string, StoredSpan[]>()
  private headCount = 0
  private blocks: StoredSpanBlock[] = []
  private nextSeq = 1
  /** Seals, prunes and purges run one at a time. */
  private exclusive: Promise<unknown> = Promise.resolve()
  private sealQueued = false
  private isOpen = false

  constructor(
    private readonly db: Database,
    private readonly options: BlockTraceStoreOptions,
  ) {
    if (!(options.retentionMs > 0)) throw new Error(`retentionMs must be positive, got ${options.retentionMs}`)
    this.tables = openSpanBlockTables(db)
    this.cache = new SpanBlockCache(this.tables)
    this.blockSpans = options.blockSpans ?? 16_384
    this.sealAfterMs = options.sealAfterMs ?? 600_000
    this.reclaimHeadBytes = options.reclaimHeadBytes ?? 64 * 1024 * 1024
    this.maxSpansPerTrace = options.maxSpansPerTrace ?? 10_000
    this.maxStatsSpans = options.maxStatsSpans ?? 2_000_000
  }

  async open(): Promise<void> {
    if (this.isOpen) return
    // Block seqs go on from the highest stored, before the migration (resumed after a crash) adds any.
    for await (const key of this.tables.summaries.keys()) this.nextSeq = Math.max(this.nextSeq, seqOfSpanBlockKey(key) + 1)
    await migrateLegacySpans(this.db, this.tables, this.blockSpans, () => this.nextSeq++)
    this.blocks = []
    for await (const [key, bytes] of this.tables.summaries.iterator()) {
      const summary = decodeStored<SpanBlockSummary>(bytes)
      this.blocks.push({ key, summary, bloom: Bloom.fromBytes(summary.bloom) })
    }
    this.head = new Map()
    this.headByTrace = new Map()
    this.headCount = 0
    const now = Date.now()
    for await (const [key, bytes] of this.tables.head.iterator()) {
      const dev = key.slice(0, key.indexOf('\x00'))
      this.addHead(key, { dev, spans: decodeSpanHeadRow(bytes, dev), at: now, bytes: bytes.length })
    }
    this.isOpen = true
  }

  /** Waits for a seal, prune or purge in flight. The database stays open: the hub owns it. */
  async close(): Promise<void> {
    this.isOpen = false
    await this.exclusive
  }

  stage(commit: Commit, batch: DecodedBatch, options: IngestOptions): void {
    if (!batch.s || batch.s.length === 0) return
    const offset = options.tsOffset ?? 0
    const key = spanHeadKey(batch.dev, batch.ep, batch.seq)
    const value = encodeSpanHeadRow(batch.s, offset)
    commit.stage([{ type: 'put', sublevel: this.tables.head, key, value }])
    const spans = headSpans(batch.s, batch.dev, offset)
    commit.onCommitted(() => {
      const now = Date.now()
      this.addHead(key, { dev: batch.dev, spans, at: now, bytes: value.length })
      if (this.sealQueued || !this.isOpen) return
      const oldest = this.head.values().next().value
      if (this.headCount >= this.blockSpans || (oldest !== undefined && now - oldest.at >= this.sealAfterMs)) {
        this.sealQueued = true
        this.seal().catch(() => undefined)
      }
    })
  }

  /** Seals every head row present now into blocks (a commit starts it when the head is full). */
  seal(): Promise<void> {
    return this.runExclusive(() => this.sealNow())
  }

  async getTrace(traceId: string): Promise<TraceLookup | undefined> {
    const { spans, truncated } = await readTrace(this.view(), traceId, this.maxSpansPerTrace)
    if (spans.length === 0) return undefined
    return { ...buildTraceTree(traceId, spans), truncated }
  }

  async search(q: TraceSearch): Promise<TraceSummary[]> {
    const view = this.view()
    const summaries: TraceSummary[] = []
    for (const id of await findTraceIds(view, q)) {
      // A fresh view: a seal may have moved the trace's head spans into a block meanwhile.
      const { spans } = await readTrace(this.view(false), id, this.maxSpansPerTrace)
      // Pruned between the scan and this read: nothing to list.
      if (spans.length > 0) summaries.push(summarizeTrace(id, spans))
    }
    return summaries.sort((a, b) => b.start - a.start)
  }

  stats(q: TraceStatsQuery): Promise<OperationStats[]> {
    return blockStats(this.view(), q, this.maxStatsSpans)
  }

  /** Deletes every span that started before `now - retentionMs`: whole blocks, or the blocks the cutoff cuts rewritten. */
  prune(now: number): Promise<{ spans: number }> {
    if (!this.isOpen) return Promise.reject(new Error('trace store is not open'))
    const cutoff = now - this.options.retentionMs
    const days = dayPartitions(this.db)
    if (days) return this.runExclusive(() => this.dropDays(days, cutoff))
    return this.runExclusive(async () => {
      // Head rows may mix hours: seal them, so the expired spans are in blocks.
      if (this.headSpans().some((s) => s.start < cutoff)) await this.sealNow()
      const result = await rewriteBlocks(
        this.cache, this.blocks, (b) => b.summary.minStart < cutoff, (s) => s.start < cutoff, this.blockSpans, () => this.nextSeq++,
        (b) => b.summary.maxStart < cutoff,
      )
      this.blocks = result.blocks
      return { spans: result.spans }
    })
  }

  /**
   * Retention on an engine with day partitions (PostgreSQL): the blocks of every day wholly before the cutoff go as
   * whole partitions, nothing rewritten or deleted row by row; spans of the cutoff's own day stay until it is out.
   */
  private async dropDays(days: DayPartitions, cutoff: number): Promise<{ spans: number }> {
    const beforeDay = Math.floor(cutoff / DAY_MS)
    // Head rows may hold expired spans: sealed first, so they are in the blocks of their day.
    if (this.headSpans().some((s) => s.start < beforeDay * DAY_MS)) await this.sealNow()
    const expired = (b: StoredSpanBlock) => Math.floor(b.summary.window / DAY_MS) < beforeDay
    await days.dropDaysBefore(['t-block', 't-bsum'], beforeDay)
    const gone = this.blocks.filter(expired)
    for (const b of gone) this.cache.evict(b.key)
    this.blocks = this.blocks.filter((b) => !expired(b))
    return { spans: gone.reduce((n, b) => n + b.summary.count, 0) }
  }

  purgeDevice(device: string): Promise<{ spans: number }> {
    return this.runExclusive(async () => {
      let spans = 0
      const ops: BatchOp[] = []
      for (const [key, row] of this.head) {
        if (row.dev !== device) continue
        ops.push({ type: 'del', sublevel: this.tables.head, key })
        spans += row.spans.length
      }
      if (ops.length > 0) await this.db.batch(ops)
      this.dropHead(ops.map((op) => op.key as string))
      const result = await rewriteBlocks(
        this.cache, this.blocks, (b) => b.summary.devices.includes(device), (s) => s.device === device, this.blockSpans, () => this.nextSeq++,
        (b) => b.summary.devices.length === 1,
      )
      this.blocks = result.blocks
      return { spans: spans + result.spans }
    })
  }

  async *exportDevice(device: string): AsyncGenerator<StoredSpan> {
    const view = this.view()
    for (const span of view.head) if (span.device === device) yield span
    yield* blockSpansOfDevice(view.cache, view.blocks, device)
  }

  /** Spans in the head and in blocks, for the bench and tests. */
  storeStats(): { headSpans: number; blocks: number; blockSpans: number } {
    return { headSpans: this.headCount, blocks: this.blocks.length, blockSpans: this.blocks.reduce((n, b) => n + b.summary.count, 0) }
  }

  private runExclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(fn)
    this.exclusive = run.catch(() => undefined)
    return run
  }

  private async sealNow(): Promise<void> {
    this.sealQueued = false
    const rows = [...this.head]
    if (rows.length === 0) return
    const { ops, blocks } = await spanBlockWrites(this.tables, rows.flatMap(([, row]) => row.spans), this.blockSpans, () => this.nextSeq++)
    for (const [key] of rows) ops.push({ type: 'del', sublevel: this.tables.head, key })
    await this.db.batch(ops)
    this.blocks = [...this.blocks, ...blocks]
    this.dropHead(rows.map(([key]) => key))
    for (const [, row] of rows) this.sealedHeadBytes += row.bytes
    if (this.reclaimHeadBytes > 0 && this.sealedHeadBytes >= this.reclaimHeadBytes) {
      this.sealedHeadBytes = 0
      await compactRange(this.db, this.tables.head.prefix)
    }
  }

  /** The head and blocks as of now; later seals replace the arrays, never change them. */
  private view(withHead = true): SpanView {
    return { cache: this.cache, head: withHead ? this.headSpans() : [], headByTrace: this.headByTrace, blocks: this.blocks }
  }

  private headSpans(): StoredSpan[] {
    const out: StoredSpan[] = []
    for (const row of this.head.values()) for (const span of row.spans) out.push(span)
    return out
  }

  private addHead(key: string, row: HeadRow): void {
    this.head.set(key, row)
    this.headCount += row.spans.length
    for (const span of row.spans) {
      const list = this.headByTrace.get(span.traceId)
      if (list) list.push(span)
      else this.headByTrace.set(span.traceId, [span])
    }
  }

  private dropHead(keys: readonly string[]): void {
    const dropped = new Set<StoredSpan>()
    for (const key of keys) {
      const row = this.head.get(key)
      if (!row) continue
      this.head.delete(key)
      this.headCount -= row.spans.length
      for (const span of row.spans) dropped.add(span)
    }
    const traces = new Set<string>()
    for (const span of dropped) traces.add(span.traceId)
    for (const traceId of traces) {
      const rest = (this.headByTrace.get(traceId) ?? []).filter((s) => !dropped.has(s))
      // A new list, so a read holding the old one still sees what it started with.
      if (rest.length > 0) this.headByTrace.set(traceId, rest)
      else this.headByTrace.delete(traceId)
    }
  }
}

/** LevelDB's manual compaction of every key under a table's prefix (classic-level has it; level's types leave it out). */
function compactRange(db: Database, prefix: string): Promise<void> {
  // A sublevel's prefix is `!name!`: its keys sort below the same prefix with the last `!` raised by one.
  const end = prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1)
  return (db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange(prefix, end)
}
