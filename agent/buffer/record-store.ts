import type { BufferedBatch } from './types.js'
import { bodyBytes, decodeRecord, ownBody, seqKey } from './record.js'
import { compactRange } from './level-files.js'
import type { BufferDb } from './level-files.js'
import { Ledger } from './ledger.js'
import { CHUNK, type Counted, type Op } from './record-account.js'
import { RecountingStore } from './recount.js'

export { REPAIR_SEQ_GAP } from './recount.js'
export { newEpoch } from './record-account.js'

const QUARANTINE_MAX = 1000

/**
 * One open buffer database: records keyed by seq (this file), their account (record-account.ts) and its recount
 * after damage (recount.ts). Not safe for concurrent calls: LevelBuffer runs them one at a time.
 */
export class RecordStore extends RecountingStore {
  private constructor(db: BufferDb, hooks: Counted, ledger: Ledger) {
    super(db, hooks, ledger)
  }

  /**
   * Loads the counters. `minNext` keeps seqs increasing over a mid-run repair; `rescan` recounts from the records
   * (after a repair), and `knownPending` is what the counters held before, to count what the repair lost.
   */
  static async load(db: BufferDb, hooks: Counted, opts: { dir: string; minNext: number; rescan: boolean; knownPending: number }): Promise<RecordStore> {
    const { ledger, slots } = Ledger.open(opts.dir, hooks.fsync)
    const store = new RecordStore(db, hooks, ledger)
    try {
      await store.loadCounters(slots, opts)
    } catch (err) {
      ledger.close()
      throw err
    }
    return store
  }

  /**
   * Writes records (already [crc | body]) under the next seqs in one atomic batch, with any `checkpoints` (input
   * positions) in the same write, so a restart resumes exactly after the data kept; resolves with the first seq.
   */
  async put(records: Uint8Array[], bodiesSize: number, checkpoints: Record<string, string> = {}): Promise<number> {
    const first = this.next
    const wasEmpty = this.pending === 0
    const ops = records.map((value, k): Op => ({ type: 'put', sublevel: this.s.batches, key: seqKey(first + k), value }))
    for (const [key, value] of Object.entries(checkpoints)) ops.push({ type: 'put', sublevel: this.s.checkpoints, key, value })
    await this.commit(ops, { next: first + records.length, pending: records.length, bytes: bodiesSize })
    records.forEach((record, k) => this.recent.remember(first + k, ownBody(record)))
    if (wasEmpty && records.length > 0) this.lowest = first
    return first
  }

  /** The checkpoint last committed under `key`, if any. */
  getCheckpoint(key: string): Promise<string | undefined> {
    return this.s.checkpoints.get(key)
  }

  /** Up to `limit` intact batches with afterSeq < seq < beforeSeq; damaged records met on the way are quarantined. */
  async readIntact(afterSeq: number, limit: number, beforeSeq: number): Promise<BufferedBatch[]> {
    const cached = this.recent.bodiesAfter(afterSeq, limit, beforeSeq)
    if (cached.length > 0) return cached
    const out: BufferedBatch[] = []
    let after = afterSeq
    while (out.length < limit) {
      const bad: [string, Uint8Array][] = []
      const range = { gt: seqKey(after), lt: seqKey(beforeSeq), limit: limit - out.length }
      for await (const [key, record] of this.s.batches.iterator(range)) {
        after = Number(key)
        const body = decodeRecord(record)
        if (body) {
          out.push({ seq: after, body: body.slice() })
          this.recent.remember(after, out[out.length - 1].body)
        } else bad.push([key, record])
      }
      if (bad.length === 0) break
      await this.quarantine(bad)
    }
    return out
  }

  /** Deletes the held batches with from ≤ seq ≤ to, a chunk at a time; resolves with how many. */
  async deleteRange(from: number, to: number): Promise<number> {
    // Acked by the hub: every seq in [from, to] is stored there, whether a read here finds it or not. The floor
    // goes along with the deletes' counters (a crash before them leaves it lower: only more conservative).
    this.gone.add(Math.max(from, this.floor), Math.min(to, this.next - 1))
    this.lost.remove(from, to)
    if (from <= this.floor) this.raiseFloor(Math.min(to, this.next - 1) + 1)
    else this.passGone()
    return this.deleteHeld(from, to)
  }

  private async deleteHeld(from: number, to: number): Promise<number> {
    const fast = await this.deleteRecent(from, to)
    if (fast !== undefined) return fast
    const { batches } = this.s
    let removed = 0
    for (let start = Math.max(from, this.lowestSeq()); start <= to; ) {
      const ops: Op[] = []
      let size = 0
      for await (const [key, record] of batches.iterator({ gte: seqKey(start), lte: seqKey(to), limit: CHUNK })) {
        ops.push({ type: 'del', sublevel: batches, key })
        size += bodyBytes(record)
        start = Number(key) + 1
        this.recent.forget(Number(key))
      }
      if (ops.length === 0) break
      await this.commit(ops, { pending: -ops.length, bytes: -size })
      removed += ops.length
      if (ops.length < CHUNK) break
    }
    // Everything in [from, to] is gone: seek past it rather than over its tombstones.
    if (from <= this.lowest && this.lowest <= to) await this.refreshLowest(to + 1)
    return removed
  }

  /**
   * deleteRange without reading: when every seq from the lowest held up to `to` is a recent record, all of them
   * exist and their sizes are known. Undefined when not (the caller iterates the range instead).
   */
  private async deleteRecent(from: number, to: number): Promise<number | undefined> {
    const start = Math.max(from, this.lowestSeq())
    const end = Math.min(to, this.next - 1)
    const sizes = start <= end ? this.recent.sizesOf(start, end) : undefined
    if (!sizes) return undefined
    const ops: Op[] = sizes.map((_, k) => ({ type: 'del', sublevel: this.s.batches, key: seqKey(start + k) }))
    await this.commit(ops, { pending: -ops.length, bytes: -sizes.reduce((a, b) => a + b, 0) })
    for (let seq = start; seq <= end; seq++) this.recent.forget(seq)
    if (from <= this.lowest && this.lowest <= to) {
      // The next record is known to exist, or nothing is left: no seek needed.
      if (end + 1 === this.next || this.pending === 0) this.lowest = this.next
      else if (this.recent.has(end + 1)) this.lowest = end + 1
      else await this.refreshLowest(to + 1)
    }
    return ops.length
  }

  /**
   * Drops the oldest batches until their bodies add up to `target` bytes, counts them under `reason` (`buffer_full`:
   * the cap; `disk_full`: the disk under the buffer), and compacts their range.
   */
  async dropOldest(target: number, reason = 'buffer_full'): Promise<void> {
    const { db, batches } = this.s
    let freed = 0
    let dropped = 0
    while (freed < target && this.pending > 0) {
      const ops: Op[] = []
      let size = 0
      for await (const [key, record] of batches.iterator({ gte: seqKey(this.lowest), limit: CHUNK })) {
        ops.push({ type: 'del', sublevel: batches, key })
        size += bodyBytes(record)
        this.recent.forget(Number(key))
        if (freed + size >= target) break
      }
      if (ops.length === 0) break
      // Dropped and counted: the hub may pass them. A record a damaged table hid from this read is passed too: the
      // ledger's account says how many there were, counted as corrupt.
      const past = Number(ops[ops.length - 1].key) + 1
      const hidden = this.inexactUpTo === 0 ? past - this.floor - this.gone.countIn(this.floor, past) - this.lost.countIn(this.floor, past) - ops.length : 0
      if (hidden > 0) {
        this.hooks.count('corrupt', hidden)
        this.hooks.log('error', 'records hidden by damage passed by a drop of the oldest', { hidden, below: past })
      }
      this.raiseFloor(past)
      await this.commit(ops, { pending: -ops.length, bytes: -size })
      freed += size
      dropped += ops.length
      await this.refreshLowest(Number(ops[ops.length - 1].key) + 1)
    }
    this.hooks.count(reason, dropped)
    await compactRange(db, batches.prefix, batches.prefix + seqKey(this.lowestSeq()))
  }

  /** Empties the quarantine and compacts what acks and drops left behind, so the disk gets the space back. */
  async reclaim(): Promise<void> {
    const { db, batches, quarantine } = this.s
    if (this.quarantined > 0) {
      await quarantine.clear()
      this.quarantined = 0
      await compactRange(db, quarantine.prefix, `${quarantine.prefix}~`)
    }
    await compactRange(db, batches.prefix, batches.prefix + seqKey(this.lowestSeq()))
  }

  /** Moves damaged records out of the way: never sent, counted as `corrupt`, kept (a bounded number) to inspect. */
  protected async quarantine(bad: [string, Uint8Array][]): Promise<void> {
    const { batches, quarantine } = this.s
    const ops = bad.flatMap(([key, value]): Op[] => [
      { type: 'del', sublevel: batches, key },
      { type: 'put', sublevel: quarantine, key, value },
    ])
    for (const [key] of bad) {
      if (Number(key) >= this.floor) this.gone.add(Number(key), Number(key))
      this.lost.remove(Number(key), Number(key))
    }
    await this.commit(ops, { pending: -bad.length, bytes: -bad.reduce((n, [, r]) => n + bodyBytes(r), 0) })
    for (const [key] of bad) this.recent.forget(Number(key))
    this.passGone()
    this.hooks.count('corrupt', bad.length)
    this.quarantined += bad.length
    this.hooks.log('error', 'corrupt batches quarantined', { seqs: bad.map(([key]) => Number(key)) })
    if (this.quarantined > QUARANTINE_MAX) {
      await quarantine.clear({ limit: this.quarantined - QUARANTINE_MAX })
      this.quarantined = QUARANTINE_MAX
    }
    if (bad.some(([key]) => Number(key) === this.lowest)) await this.refreshLowest(this.lowest)
  }
}
