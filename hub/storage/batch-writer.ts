// DESIGN §5: exactly-once in the store. A batch (dev, ep, seq) is stored once: its dedup mark and every store's rows
// go into one Commit, so they are durable together or not at all, and a redelivered batch writes nothing.
import type { DecodedBatch } from '../../protocol/batch.js'
import type { IngestOptions, IngestResult } from './types.js'
import { Commit, type BatchStager } from './commit.js'
import type { Database } from './db.js'
import { ackRanges, emptyMark, isStored, markStored, type DedupMark } from './dedup-mark.js'
import { KeyedQueue } from './keyed-queue.js'
import { LevelDedupMarkStore } from './level-dedup-mark-store.js'
import type { DedupMarkStore } from './types.js'

/** The in-memory cache's key of a (device, epoch); device ids never contain \0 (DESIGN §3). */
const cacheKey = (dev: string, ep: string) => `${dev}\x00${ep}`

export class BatchWriter {
  private readonly queue = new KeyedQueue()
  /** Marks read or written by this process, by cacheKey: a device's next batch needs no read. */
  private readonly marks = new Map<string, DedupMark>()

  /** `stagers` stage in this order (metrics first, then the other stores), after the dedup mark. */
  constructor(
    private readonly db: Database,
    private readonly stagers: readonly BatchStager[],
    private readonly store: DedupMarkStore = new LevelDedupMarkStore(db),
  ) {}

  write(batch: DecodedBatch, options: IngestOptions = {}): Promise<IngestResult> {
    // One device at a time: its dedup mark is read, changed and written (DESIGN §5).
    return this.queue.run(batch.dev, () => this.writeInOrder(batch, options))
  }

  /**
   * Erases a device (docs/security.md, "Deleting a device"): runs `erase` in turn with the device's writes, then deletes
   * its dedup marks, stored and cached, and counts them into the result.
   */
  purgeDevice<T extends { dedupMarks: number }>(device: string, erase: () => Promise<T>): Promise<T> {
    return this.queue.run(device, async () => {
      const result = await erase()
      const deleted = await this.store.purgeDevice(device)
      for (const key of [...this.marks.keys()]) if (key.startsWith(cacheKey(device, ''))) this.marks.delete(key)
      result.dedupMarks += deleted
      return result
    })
  }

  /** Drops the cached marks of a device, so its next batch reads them from the store (another hub may have moved them). */
  forgetMarks(device: string): void {
    for (const key of [...this.marks.keys()]) if (key.startsWith(cacheKey(device, ''))) this.marks.delete(key)
  }

  /** Resolves once every write queued so far has settled. */
  idle(): Promise<void> {
    return this.queue.idle()
  }

  private async writeInOrder(batch: DecodedBatch, options: IngestOptions): Promise<IngestResult> {
    const key = cacheKey(batch.dev, batch.ep)
    const mark = await this.loadMark(batch.dev, batch.ep, key)
    if (isStored(mark, batch.seq)) return { duplicate: true, ackSeq: mark.w, samples: 0, storedRanges: ackRanges(mark, batch.seq) }

    const next = markStored(mark, batch.seq, batch.lo)
    const commit = new Commit(this.db)
    this.store.stage(commit, batch.dev, batch.ep, next)
    commit.onCommitted(() => this.marks.set(key, next))
    for (const stager of this.stagers) stager.stage(commit, batch, options)
    await commit.commit()
    return { duplicate: false, ackSeq: next.w, samples: commit.counted('samples'), storedRanges: ackRanges(next, batch.seq) }
  }

  private async loadMark(device: string, epoch: string, key: string): Promise<DedupMark> {
    const cached = this.marks.get(key)
    if (cached) return cached
    const mark = (await this.store.get(device, epoch)) ?? emptyMark()
    this.marks.set(key, mark)
    return mark
  }
}
