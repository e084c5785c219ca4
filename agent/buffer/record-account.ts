// The buffer's account of its records (docs/delivery.md, "The agent's buffer"): the counters LevelDB keeps with every
// write, and the ledger's (ledger.ts) seqs gone by the buffer's own hand, floor and high-water, outside LevelDB.
// recount.ts rebuilds them after damage; record-store.ts is the operations on records.
import type { BufferLog } from './types.js'
import { seqKey } from './record.js'
import { RecentRecords } from './recent.js'
import { bufferParts } from './level-files.js'
import type { BufferDb, BufferParts } from './level-files.js'
import { Ledger, LEDGER_MAX_RANGES } from './ledger.js'
import type { LedgerState } from './ledger.js'
import { SeqRanges } from './seq-ranges.js'

export const META_EPOCH = 'epoch'
export const META_NEXT_SEQ = 'nextSeq'
export const META_PENDING = 'pending'
export const META_BYTES = 'bytes'
/** Every seq below it was acked by the hub, dropped or quarantined (both counted), or never written. */
export const META_FLOOR = 'floor'
/** Keys per LevelDB batch when deleting or rescanning: memory stays bounded however large the backlog. */
export const CHUNK = 1000

export type Op = { type: 'put' | 'del'; sublevel: unknown; key: string; value?: unknown }
export type Counted = { fsync: boolean; count: (reason: string, n: number) => void; log: BufferLog }

/**
 * One open buffer database's counters and account: written in the same atomic batch as every change (DESIGN §5),
 * so opening needs no scan. Only counters live in memory; sizes and integrity come from the records.
 */
export abstract class RecordAccount {
  epoch = ''
  next = 1
  pending = 0
  bytes = 0
  quarantined = 0
  protected lowest = 1
  /**
   * What the uplink may tell the hub as `lo` (the hub's watermark passes every seq below it). Not the lowest key a
   * seek finds: LevelDB reads do not verify checksums and a limited iterator passes over a block or table it cannot
   * read without an error, so a seek can land above records still held. Only removals we made move it.
   */
  protected floor = 1
  /**
   * Seqs at or above the floor gone by our hand (acked by the hub, quarantined, counted as lost): the floor passes
   * them, and every other seq in [floor, next) is held. Kept, with next and floor, in the ledger (ledger.ts), outside
   * LevelDB, so a recount after damage knows which seqs must be there.
   */
  protected gone = new SeqRanges()
  /** Counted as corrupt by a recount in use, not passed by the floor (ledger.ts, `lost`): delivered if they come back. */
  protected lost = new SeqRanges()
  /** Gone ranges up to this seq were forgotten for the ledger's room (0: none): below it the account is not exact. */
  protected inexactUpTo = 0
  protected readonly s: BufferParts
  /** The newest records written or read: sends and acks of those need no LevelDB read. */
  protected readonly recent = new RecentRecords()

  protected constructor(
    db: BufferDb,
    protected readonly hooks: Counted,
    protected readonly ledger: Ledger,
  ) {
    this.s = bufferParts(db)
  }

  /** Moves damaged records out of the way (record-store.ts); a recount meets them too. */
  protected abstract quarantine(bad: [string, Uint8Array][]): Promise<void>

  /** Takes the ledger slot's gone set; seqs from the slot's next up to `next` were never handed out. */
  protected adopt(slot: LedgerState, next: number): void {
    this.next = Math.max(this.next, next)
    this.floor = slot.floor
    this.gone = new SeqRanges(slot.gone.list())
    this.lost = new SeqRanges(slot.lost.list())
    this.inexactUpTo = slot.inexactUpTo
    this.gone.add(slot.next, this.next - 1)
  }

  async close(): Promise<void> {
    try {
      await this.s.db.close()
    } finally {
      this.ledger.close()
    }
  }

  /** Lowest seq held, or the next seq when empty. */
  lowestSeq(): number {
    return this.pending > 0 ? this.lowest : this.next
  }

  /** The `lo` a batch may carry: below it nothing is held, by the store's own account (see `floor`). */
  ackFloor(): number {
    return Math.min(this.floor, this.lowestSeq())
  }

  /** Moves the floor up to `seq` (exclusive of nothing below it being held), then over seqs gone by our hand. */
  protected raiseFloor(seq: number): void {
    this.floor = Math.min(this.next, Math.max(this.floor, seq))
    this.passGone()
  }

  protected passGone(): void {
    this.floor = Math.min(this.next, Math.max(this.floor, this.gone.firstOutside(this.floor)))
    this.gone.dropBelow(this.floor)
    this.lost.dropBelow(this.floor)
    if (this.inexactUpTo > 0 && this.inexactUpTo < this.floor) this.inexactUpTo = 0
  }

  protected state(): LedgerState {
    return { epoch: this.epoch, next: this.next, floor: this.floor, pending: this.pending, gone: new SeqRanges(this.gone.list()), lost: new SeqRanges(this.lost.list()), inexactUpTo: this.inexactUpTo }
  }

  /** One atomic LevelDB batch: the given operations plus the counters they change (DESIGN §5). */
  protected async commit(ops: Op[], change: { next?: number; pending?: number; bytes?: number } = {}): Promise<void> {
    const { db, meta } = this.s
    const next = change.next ?? this.next
    const pending = Math.max(0, this.pending + (change.pending ?? 0))
    const bytes = Math.max(0, this.bytes + (change.bytes ?? 0))
    // The epoch goes along every time so that it lives in the newest file, not only in one that may be damaged.
    const counters: Op[] = [
      { type: 'put', sublevel: meta, key: META_EPOCH, value: this.epoch },
      { type: 'put', sublevel: meta, key: META_NEXT_SEQ, value: String(next) },
      { type: 'put', sublevel: meta, key: META_PENDING, value: String(pending) },
      { type: 'put', sublevel: meta, key: META_BYTES, value: String(bytes) },
      { type: 'put', sublevel: meta, key: META_FLOOR, value: String(this.floor) },
    ]
    if (this.gone.size + this.lost.size > LEDGER_MAX_RANGES) {
      // Forgotten acked ranges look held to a recount: counted as corrupt if a repair loses them, never silent.
      const kept = this.gone.list()
      this.inexactUpTo = Math.max(this.inexactUpTo, kept[kept.length - 1][1])
      this.lost.truncate(LEDGER_MAX_RANGES)
      this.gone.truncate(Math.max(0, LEDGER_MAX_RANGES - this.lost.size))
    }
    // The ledger first: whatever LevelDB then loses of this write, the ledger's account still knows it was made.
    const after = { epoch: this.epoch, next, floor: this.floor, pending, gone: this.gone, lost: this.lost, inexactUpTo: this.inexactUpTo }
    this.ledger.write(after, false)
    try {
      await db.batch([...ops, ...counters] as never, { sync: this.hooks.fsync })
    } catch (err) {
      // Not written: the ledger goes back to the state in memory.
      this.ledger.write(this.state(), true)
      throw err
    }
    this.ledger.write(after, true)
    this.next = next
    this.pending = pending
    this.bytes = bytes
  }

  protected async refreshLowest(from: number): Promise<void> {
    this.lowest = this.next
    for await (const key of this.s.batches.keys({ gte: seqKey(from), limit: 1 })) this.lowest = Number(key)
  }

  protected async highestSeq(): Promise<number> {
    for await (const key of this.s.batches.keys({ reverse: true, limit: 1 })) return Number(key)
    return 0
  }
}

/**
 * 16 random hex digits. Only uniqueness matters (no secret): V8's Math.random, seeded from the OS, spares every
 * device loading node:crypto for one call (about 1 MiB resident; docs/agent.md, footprint).
 */
export function newEpoch(): string {
  const half = () => Math.floor(Math.random() * 2 ** 32).toString(16).padStart(8, '0')
  return half() + half()
}

/** The form newEpoch makes (every buffer's epoch has had it). */
export function isBufferEpoch(value: string): boolean {
  return /^[0-9a-f]{16}$/.test(value)
}
