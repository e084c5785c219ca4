// DESIGN §5: exactly-once in the store. A batch (dev, ep, seq) is stored once: its dedup mark and every store's rows
// go into one Commit, so they are durable together or not at all, and a redelivered batch writes nothing.
import type { DecodedBatch } from '../../protocol/batch.js'
import type { IngestOptions, IngestResult } from './types.js'
import { Commit, type BatchStager } from './commit.js'
import type { Database } from './db.js'
import { ackRanges, decodeMark, emptyMark, encodeMark, isStored, markStored, type DedupMark } from './dedup-mark.js'
import { KeyedQueue } from './keyed-queue.js'
import { table } from './keyspace.js'

/** Marks are keyed per (device, epoch). */
export function dedupKey(dev: string, ep: string): string {
  return `${dev}\x00${ep}`
}

export class BatchWriter {
  private readonly queue = new KeyedQueue()
  private readonly marks = new Map<string, DedupMark>()
  private readonly table

  /** `stagers` stage in this order (metrics first, then the other stores), after the dedup mark. */
  constructor(
    private readonly db: Database,
    private readonly stagers: readonly BatchStager[],
  ) {
    this.table = table<'m-dedup', Uint8Array>(db, 'm-dedup')
  }

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
      const keys = await this.table.keys({ gte: dedupKey(device, ''), lt: `${device}\x01` }).all()
      if (keys.length > 0) await this.table.batch(keys.map((key) => ({ type: 'del' as const, key })))
      for (const key of [...this.marks.keys()]) if (key.startsWith(`${device}\x00`)) this.marks.delete(key)
      result.dedupMarks += keys.length
      return result
    })
  }

  /** Resolves once every write queued so far has settled. */
  idle(): Promise<void> {
    return this.queue.idle()
  }

  private async writeInOrder(batch: DecodedBatch, options: IngestOptions): Promise<IngestResult> {
    const key = dedupKey(batch.dev, batch.ep)
    const mark = await this.loadMark(key)
    if (isStored(mark, batch.seq)) return { duplicate: true, ackSeq: mark.w, samples: 0, storedRanges: ackRanges(mark, batch.seq) }

    const next = markStored(mark, batch.seq, batch.lo)
    const commit = new Commit(this.db)
    commit.stage([{ type: 'put', sublevel: this.table, key, value: encodeMark(next) }])
    commit.onCommitted(() => this.marks.set(key, next))
    for (const stager of this.stagers) stager.stage(commit, batch, options)
    await commit.commit()
    return { duplicate: false, ackSeq: next.w, samples: commit.counted('samples'), storedRanges: ackRanges(next, batch.seq) }
  }

  private async loadMark(key: string): Promise<DedupMark> {
    const cached = this.marks.get(key)
    if (cached) return cached
    const bytes = await this.table.get(key)
    const mark = bytes ? decodeMark(bytes) : emptyMark()
    this.marks.set(key, mark)
    return mark
  }
}
