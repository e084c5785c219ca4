import type { BufferedBatch, BufferStats, LevelBufferOptions } from './types.js'
import { BufferFullError } from './types.js'
import { encodeRecord } from './record.js'
import { performance } from 'node:perf_hooks'
import { dirBytes, freeBytes, isCorruption, isNoSpace, levelFileBytes, openBufferDb, readPendingCounter, resetBufferDb } from './level-files.js'
import type { OpenedDb } from './level-files.js'
import { RecordStore } from './record-store.js'
import { expectedCount, readLedger } from './ledger.js'

export type { LevelBufferOptions } from './types.js'

/** Key, sublevel prefix and log framing per record, for the disk estimate between measurements. */
const ENTRY_OVERHEAD = 64
const NO_UPPER_BOUND = Number.MAX_SAFE_INTEGER
/** A first repair can leave a table it kept but cannot read; a second or third has always finished the job here. */
const MAX_REPAIRS = 3
/** The disk is measured at least this often when writing, so space other programs take is seen (ms, monotonic). */
const MEASURE_EVERY_MS = 5_000

/**
 * The agent's durable outbox (DESIGN §5, docs/delivery.md). A batch stays until the hub acks it; its seq and the
 * counters are written in one atomic batch, so a seq is never reused, across restarts too. The cap is on the
 * directory's real size on disk. Damaged records go to a quarantine, and a damaged database is repaired or
 * replaced, so the agent keeps collecting and sending whatever happened to its disk. Operations run one at a time.
 */
export class LevelBuffer {
  /** LevelDB's file size for this cap: also how far disk use may pass the cap for a moment. */
  readonly fileBytes: number
  private store: RecordStore | undefined
  private diskMeasured = 0
  private writtenSinceMeasure = 0
  /** Free bytes on the buffer's filesystem at the last measurement, and when it was taken (monotonic ms). */
  private freeMeasured = Infinity
  private measuredAt = -Infinity
  /** A write failed for space and the database is closed until it can be opened again (LevelDB keeps such errors). */
  private closedForSpace = false
  private noSpaceErrors = 0
  private readonly dropped: Record<string, number> = {}
  private readonly recoveries = { repaired: 0, reset: 0 }
  private readonly clock: () => number
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly dir: string,
    private readonly options: LevelBufferOptions,
  ) {
    this.clock = options.clock ?? Date.now
    this.fileBytes = levelFileBytes(options.maxBytes)
  }

  get epoch(): string {
    return this.store?.epoch ?? ''
  }

  open(): Promise<void> {
    return this.serialize(() => this.openStore(0))
  }

  close(): Promise<void> {
    return this.serialize(async () => {
      await this.store?.close()
    })
  }

  /** Durably stores a batch body; resolves with its seq once LevelDB has it. */
  async append(body: Uint8Array): Promise<number> {
    return (await this.appendMany([body]))[0]
  }

  /**
   * Stores several bodies in one atomic write: all or none. `checkpoints` (an input's position, such as a tailed
   * file's offset) join the same write, so the position moves exactly when the data it covers is kept. Resolves
   * with the bodies' seqs.
   */
  appendMany(bodies: Uint8Array[], options: { checkpoints?: Record<string, string> } = {}): Promise<number[]> {
    const checkpoints = options.checkpoints ?? {}
    return this.serialize(() =>
      this.guarded(async (store) => {
        if (bodies.length === 0 && Object.keys(checkpoints).length === 0) return []
        const records = bodies.map(encodeRecord)
        const incoming = records.reduce((n, r) => n + r.byteLength + ENTRY_OVERHEAD, 0)
        if (records.length > 0) await this.makeRoom(store, incoming)
        const first = await store.put(
          records,
          bodies.reduce((n, b) => n + b.byteLength, 0),
          checkpoints,
        )
        this.writtenSinceMeasure += incoming
        return records.map((_, k) => first + k)
      }),
    )
  }

  /** The checkpoint last committed under `key` with appendMany, if any. */
  getCheckpoint(key: string): Promise<string | undefined> {
    return this.serialize(() => this.guarded((store) => store.getCheckpoint(key)))
  }

  /**
   * Up to `limit` intact batches with afterSeq < seq < beforeSeq, oldest first. Damaged records met on the way are
   * quarantined and counted, never returned.
   */
  read(afterSeq: number, limit: number, beforeSeq = NO_UPPER_BOUND): Promise<BufferedBatch[]> {
    return this.serialize(() => this.guarded((store) => store.readIntact(afterSeq, limit, beforeSeq)))
  }

  /** The hub stored every batch of `epoch` up to `seq` (DESIGN §3 ack): forget them. Resolves with how many. */
  ack(epoch: string, seq: number): Promise<number> {
    return this.ackRanges(epoch, [[0, seq]])
  }

  /** The hub stored these particular seqs (above its contiguous watermark): forget them. */
  ackSeqs(epoch: string, seqs: number[]): Promise<number> {
    return this.ackRanges(
      epoch,
      seqs.map((s): [number, number] => [s, s]),
    )
  }

  /** The hub stored every seq in each inclusive range [from, to]: forget them. Resolves with how many. */
  ackRanges(epoch: string, ranges: [number, number][]): Promise<number> {
    return this.serialize(() =>
      this.guarded(async (store) => {
        if (epoch !== store.epoch) return 0
        let removed = 0
        for (const [from, to] of [...ranges].sort((a, b) => a[0] - b[0])) removed += await store.deleteRange(from, to)
        return removed
      }),
    )
  }

  /** Lowest seq a read finds held, or the next seq when empty (a damaged table can hide lower ones from it). */
  lowestSeq(): number {
    return this.store?.lowestSeq() ?? 1
  }

  /**
   * The batch envelope's `lo`: every seq below it was acked, dropped or quarantined, by the buffer's own account, so
   * the hub may pass gaps below it. Never above a record still held, even one a damaged table hides from reads.
   */
  ackFloor(): number {
    return this.store?.ackFloor() ?? 1
  }

  /**
   * Recounts the pending records from the database itself. For counters that promise records no read returns (a
   * counter row newer than a damaged table); the missing ones are counted as corrupt. Returns how many were missing.
   */
  reconcile(): Promise<number> {
    return this.serialize(() => this.guarded((store) => store.reconcile()))
  }

  /** Repairs and resets so far: a change means records may have come back below a reader's cursor. */
  get recoveryCount(): number {
    return this.recoveries.repaired + this.recoveries.reset
  }

  stats(): BufferStats {
    const s = this.store
    return {
      epoch: this.epoch,
      bytes: s?.bytes ?? 0,
      diskBytes: this.diskMeasured + this.writtenSinceMeasure,
      pending: s?.pending ?? 0,
      oldestSeq: s && s.pending > 0 ? s.lowestSeq() : undefined,
      nextSeq: s?.next ?? 1,
      droppedBatches: { ...this.dropped },
      quarantined: s?.quarantined ?? 0,
      recoveries: { ...this.recoveries },
      noSpaceErrors: this.noSpaceErrors,
    }
  }

  /**
   * Opens the database (repairing it, or replacing it with a new epoch when beyond repair) and loads its counters.
   * Over a mid-run recovery the seqs keep increasing, so the uplink's notion of what it sent stays valid.
   */
  private async openStore(repairs: number): Promise<void> {
    const minNext = this.store?.next ?? 1
    const knownPending = this.store?.pending ?? 0
    const opened = await openBufferDb(this.dir, this.options.maxBytes, this.clock, repairs > 0)
    try {
      this.store = await this.load(opened, minNext, knownPending)
    } catch (err) {
      await opened.db.close().catch(() => {})
      if (!isCorruption(err) || opened.outcome.kind === 'reset') throw err
      this.log('error', 'buffer database damaged while loading', { outcome: opened.outcome.kind, error: (err as Error).message })
      // A second repair sometimes finishes what the first left (a table it kept but cannot read); then give up.
      if (repairs < MAX_REPAIRS) return this.openStore(repairs + 1)
      this.store = await this.load(await resetBufferDb(this.dir, this.options.maxBytes, this.clock), minNext, knownPending)
    }
    await this.measureDisk()
  }

  private async load({ db, outcome }: OpenedDb, minNext: number, knownPending: number): Promise<RecordStore> {
    const hooks = { fsync: this.options.fsync === true, count: (reason: string, n: number) => this.count(reason, n), log: this.log }
    if (outcome.kind === 'repaired') {
      this.recoveries.repaired++
      this.log('warning', 'buffer database was corrupt and has been repaired')
    }
    if (outcome.kind === 'reset') {
      this.recoveries.reset++
      // At start nothing was loaded yet (knownPending 0): the moved database's own counter says what went with it.
      // The ledger's account first: it is outside the database that could not be read.
      const slot = readLedger(outcome.movedTo)[0]
      const counted = slot ? expectedCount(slot) : await readPendingCounter(outcome.movedTo)
      const lost = Math.max(knownPending, counted ?? 0)
      this.count('corrupt', lost)
      this.log('error', 'buffer database beyond repair: moved aside, starting a new epoch', { movedTo: outcome.movedTo, lost, counterReadable: counted !== undefined })
    }
    if (outcome.kind === 'salvaged') this.log('warning', 'LevelDB skipped damaged log records while opening the buffer: recounting')
    const rescan = outcome.kind === 'repaired' || outcome.kind === 'salvaged'
    return RecordStore.load(db, hooks, { dir: this.dir, minNext, rescan, knownPending })
  }

  /**
   * Keeps the directory under the cap, measured on disk, before `incoming` bytes are written. Steady use stays a file
   * (at most a quarter of the cap) below it, as LevelDB's merges briefly hold a file or two more. Reclaims dead space
   * first, then refuses (`block`) or drops the oldest batches to twice that below the cap, so compactions stay rare.
   */
  private async makeRoom(store: RecordStore, incoming: number): Promise<void> {
    const capLimit = this.options.maxBytes - Math.min(this.fileBytes, this.options.maxBytes / 4)
    if (incoming > this.options.maxBytes) throw new BufferFullError('data larger than the whole buffer')
    const fresh = performance.now() - this.measuredAt < MEASURE_EVERY_MS
    if (fresh && this.writtenSinceMeasure < this.fileBytes && this.diskMeasured + this.writtenSinceMeasure + incoming <= this.limit(capLimit)) return
    await this.measureDisk()
    if (this.diskMeasured + incoming <= this.limit(capLimit)) return
    await store.reclaim()
    await this.measureDisk()
    while (this.diskMeasured + incoming > this.limit(capLimit) && store.pending > 0) {
      // The cap or the disk, whichever is nearer: a full disk is handled like a full buffer, under its own reason.
      const reason = this.diskLimit() < capLimit ? 'disk_full' : 'buffer_full'
      if (this.options.policy === 'block') throw new BufferFullError(reason === 'disk_full' ? 'disk full' : 'buffer full')
      const bodyPerDiskByte = Math.max(1, store.bytes / Math.max(1, this.diskMeasured))
      const margin = this.options.maxBytes - capLimit
      await store.dropOldest((this.diskMeasured + incoming - this.limit(capLimit) + margin) * bodyPerDiskByte, reason)
      await this.measureDisk()
    }
    // An empty buffer still over the limit is LevelDB's own files: take the batch rather than refuse all data.
  }

  /** What the disk leaves the buffer: what it uses plus what is free, less two files for LevelDB's merges. */
  private diskLimit(): number {
    return this.diskMeasured + this.freeMeasured - 2 * this.fileBytes
  }

  private limit(capLimit: number): number {
    return Math.min(capLimit, this.diskLimit())
  }

  private async measureDisk(): Promise<void> {
    this.diskMeasured = await dirBytes(this.dir)
    this.freeMeasured = await freeBytes(this.dir)
    this.measuredAt = performance.now()
    this.writtenSinceMeasure = 0
  }

  /** Runs `fn`; on a LevelDB corruption error repairs (or replaces) the database and runs it once more. */
  private async guarded<T>(fn: (store: RecordStore) => Promise<T>): Promise<T> {
    if (!this.store) throw new Error('buffer is not open')
    if (this.closedForSpace) await this.reopenForSpace()
    try {
      return await fn(this.store)
    } catch (err) {
      if (isNoSpace(err)) {
        await this.onNoSpace(err)
        // Reopened: with drop_oldest the operation runs once more, and an append now drops the oldest to fit.
        if (this.options.policy !== 'drop_oldest') throw new BufferFullError(`disk full (${(err as Error).message})`)
        try {
          return await fn(this.store)
        } catch (again) {
          if (!isNoSpace(again)) throw again
          await this.onNoSpace(again)
          throw new BufferFullError(`disk full (${(again as Error).message})`)
        }
      }
      if (!isCorruption(err)) throw err
      this.log('error', 'buffer database corrupt in use: repairing', { error: (err as Error).message })
      await this.store.close().catch(() => {})
      await this.openStore(1)
      return fn(this.store)
    }
  }

  /**
   * A write failed for space: nothing of it was kept. LevelDB keeps a failed flush as an error on every later write,
   * so the database is closed and opened again; if that too fails for space, operations refuse (BufferFullError)
   * and each tries to open it again. Seqs and counters stay those of the closed store.
   */
  private async onNoSpace(err: unknown): Promise<void> {
    this.noSpaceErrors++
    this.log('error', 'disk full under the buffer: the write failed and kept nothing; reopening the database', { error: (err as Error).message })
    this.closedForSpace = true
    await this.store?.close().catch(() => {})
    await this.reopenForSpace()
  }

  private async reopenForSpace(): Promise<void> {
    try {
      await this.openStore(0)
    } catch (err) {
      if (isNoSpace(err)) throw new BufferFullError(`disk full (${(err as Error).message})`)
      throw err
    }
    this.closedForSpace = false
    this.log('info', 'buffer database open again after a full disk')
  }

  private count(reason: string, n: number): void {
    if (n > 0) this.dropped[reason] = (this.dropped[reason] ?? 0) + n
  }

  private readonly log = (level: string, msg: string, extra?: Record<string, unknown>): void => {
    this.options.log?.(level, msg, { dir: this.dir, ...extra })
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => {})
    return run
  }
}
