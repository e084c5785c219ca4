import type { BufferedBatch, BufferLog } from './types.js'
import { bodyBytes, decodeRecord, ownBody, seqKey } from './record.js'
import { RecentRecords } from './recent.js'
import { bufferParts, compactRange } from './level-files.js'
import type { BufferDb, BufferParts } from './level-files.js'
import { expectedCount, Ledger, LEDGER_MAX_RANGES } from './ledger.js'
import type { LedgerSlot, LedgerState } from './ledger.js'
import { SeqRanges } from './seq-ranges.js'

const META_EPOCH = 'epoch'
const META_NEXT_SEQ = 'nextSeq'
/** Seqs skipped after a repair; more batches than this would have to be lost from the newest data to collide. */
export const REPAIR_SEQ_GAP = 1_000_000
const META_PENDING = 'pending'
const META_BYTES = 'bytes'
/** Every seq below it was acked by the hub, dropped or quarantined (both counted), or never written. */
const META_FLOOR = 'floor'
/** Keys per LevelDB batch when deleting or rescanning: memory stays bounded however large the backlog. */
const CHUNK = 1000
const QUARANTINE_MAX = 1000

type Op = { type: 'put' | 'del'; sublevel: unknown; key: string; value?: unknown }
type Counted = { fsync: boolean; count: (reason: string, n: number) => void; log: BufferLog }

/**
 * One open buffer database: records keyed by seq, and counters written in the same atomic batch as every change
 * (DESIGN §5), so opening needs no scan. Only counters live in memory; sizes and integrity come from the records.
 * Not safe for concurrent calls: LevelBuffer runs them one at a time.
 */
export class RecordStore {
  epoch = ''
  next = 1
  pending = 0
  bytes = 0
  quarantined = 0
  private lowest = 1
  /**
   * What the uplink may tell the hub as `lo` (the hub's watermark passes every seq below it). Not the lowest key a
   * seek finds: LevelDB reads do not verify checksums and a limited iterator passes over a block or table it cannot
   * read without an error, so a seek can land above records still held. Only removals we made move it.
   */
  private floor = 1
  /**
   * Seqs at or above the floor gone by our hand (acked by the hub, quarantined, counted as lost): the floor passes
   * them, and every other seq in [floor, next) is held. Kept, with next and floor, in the ledger (ledger.ts), outside
   * LevelDB, so a recount after damage knows which seqs must be there.
   */
  private gone = new SeqRanges()
  /** Counted as corrupt by a recount in use, not passed by the floor (ledger.ts, `lost`): delivered if they come back. */
  private lost = new SeqRanges()
  /** Gone ranges up to this seq were forgotten for the ledger's room (0: none): below it the account is not exact. */
  private inexactUpTo = 0
  private readonly s: BufferParts
  /** The newest records written or read: sends and acks of those need no LevelDB read. */
  private readonly recent = new RecentRecords()

  private constructor(
    db: BufferDb,
    private readonly hooks: Counted,
    private readonly ledger: Ledger,
  ) {
    this.s = bufferParts(db)
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

  private async loadCounters(slots: LedgerSlot[], opts: { minNext: number; rescan: boolean; knownPending: number }): Promise<void> {
    const { meta, quarantine } = this.s
    const [stored, next, pending, bytes, floor] = await meta.getMany([META_EPOCH, META_NEXT_SEQ, META_PENDING, META_BYTES, META_FLOOR])
    for await (const _ of quarantine.keys()) this.quarantined++
    // LevelDB does not verify checksums on reads: damage inside the stored epoch reads back as another epoch, which
    // would send what is held again under it (and the hub refuses a malformed one). Not ours: the ledger's is.
    const epoch = stored === undefined || isBufferEpoch(stored) ? stored : undefined
    if (epoch !== stored) this.hooks.log('error', 'buffer epoch damaged: taken from the ledger', { stored })
    // The ledger's newest slot of this buffer: with the counters gone (a damaged log record took them all) it still
    // knows the epoch and which seqs must be held.
    const trusted = slots.find((slot) => epoch === undefined || slot.epoch === epoch)
    if (stored === undefined && !trusted) {
      // A new buffer starts a new epoch, so seqs of a wiped buffer never collide with old ones at the hub.
      this.epoch = newEpoch()
      this.floor = opts.minNext
      await this.commit([], { next: opts.minNext })
      await this.refreshLowest(0)
      return
    }
    // Damaged and no ledger to go by: a new epoch, the records counted by number (known gaps, docs/delivery.md).
    this.epoch = epoch ?? trusted?.epoch ?? newEpoch()
    this.next = Math.max(opts.minNext, Number(next) || 1, (await this.highestSeq()) + 1)
    this.pending = Number(pending) || 0
    this.bytes = Number(bytes) || 0
    // The counters agree with the ledger's newest slot, or, when that is the intent of a write a kill interrupted,
    // with the slot before it: nothing was lost, no scan needed. Counters equal to an older done slot are a write
    // LevelDB lost (a damaged log record), not a kill.
    const same = (slot: LedgerSlot | undefined) =>
      slot && slot.epoch === epoch && slot.next === Number(next) && slot.floor === Number(floor) && slot.pending === Number(pending)
    const [newest, before] = slots
    const agrees = opts.rescan || epoch === undefined || !(Number(pending) >= 0) || !(Number(bytes) >= 0) ? undefined
      : same(newest) ? newest : newest && !newest.done && before?.gen === newest.gen - 1 && same(before) ? before : undefined
    if (agrees) {
      // A kill during a commit: its seqs were never handed out (the append did not resolve), so they are free again.
      this.adopt(agrees, this.next)
      await this.refreshLowest(0)
      return
    }
    if (trusted && trusted.inexactUpTo === 0) {
      if (!opts.rescan) this.hooks.log('warning', 'buffer counters disagree with its ledger: recounting', { next: Number(next), pending: Number(pending), ledgerNext: trusted.next, ledgerPending: trusted.pending })
      await this.recount(trusted, Math.max(opts.knownPending, Number(pending) || 0))
    } else {
      // No ledger to go by (a buffer from before it, or both slots damaged): count by number, as the counters say,
      // and start the ledger's account from what is there.
      await this.recount(undefined, Math.max(opts.knownPending, Number(pending) || 0))
    }
    // A repair may have lost the newest records and the counters with them, and the hub may have stored those seqs:
    // jump far past them so a new batch never reuses one (the hub would take it for a duplicate). The ledger knows
    // the high-water mark, but it may itself be the older of its slots.
    const jumped = this.next + REPAIR_SEQ_GAP
    this.gone.add(this.next, jumped - 1)
    await this.commit([], { next: jumped })
    this.passGone()
  }

  /** Takes the ledger slot's gone set; seqs from the slot's next up to `next` were never handed out. */
  private adopt(slot: LedgerState, next: number): void {
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
  private raiseFloor(seq: number): void {
    this.floor = Math.min(this.next, Math.max(this.floor, seq))
    this.passGone()
  }

  private passGone(): void {
    this.floor = Math.min(this.next, Math.max(this.floor, this.gone.firstOutside(this.floor)))
    this.gone.dropBelow(this.floor)
    this.lost.dropBelow(this.floor)
    if (this.inexactUpTo > 0 && this.inexactUpTo < this.floor) this.inexactUpTo = 0
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
  private async quarantine(bad: [string, Uint8Array][]): Promise<void> {
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

  /** Recounts pending records from the database; returns how many the counters promised that are not there. */
  async reconcile(): Promise<number> {
    const before = this.pending
    const state = this.inexactUpTo === 0 ? this.state() : undefined
    // The database seems sound: what no read finds may be hidden by damage and come back, so it is kept as lost.
    await this.recount(state, before, 'lost')
    return Math.max(0, before - this.pending)
  }

  /**
   * Recounts from the records themselves, quarantining damaged ones. With the ledger's account (`account`), every seq
   * it says is held but no read finds is counted as corrupt, and a record it says is gone (acked or counted, brought
   * back by a repair that lost its deletion) is deleted, not sent again; without one, what the counters promised
   * (`expected`) less what was found is counted. The counters change only once the scan has run to the end: a scan
   * that meets damage half-way (it throws, and the buffer repairs) must not leave them counting only what it had seen,
   * or the buffer looks drained while it still holds a record it has not accounted for.
   */
  private async recount(account: LedgerState | undefined, expected: number, missingAs: 'gone' | 'lost' = 'gone'): Promise<void> {
    this.recent.clear()
    const gone = account ? new SeqRanges(account.gone.list()) : undefined
    const lost = new SeqRanges(account?.lost.list() ?? [])
    const back: number[] = []
    const floor = account?.floor ?? 0
    const ledgerNext = account?.next ?? 0
    const stale: string[] = []
    const present = new SeqRanges()
    const missing: [number, number][] = []
    let missingCount = 0
    let cursor = floor
    let good = 0
    let goodBytes = 0
    let found = 0
    let after = ''
    for (let more = true; more; ) {
      const bad: [string, Uint8Array][] = []
      let seen = 0
      for await (const [key, record] of this.s.batches.iterator({ gt: after, limit: CHUNK })) {
        seen++
        after = key
        const seq = Number(key)
        if (gone && (seq < floor || gone.has(seq))) {
          stale.push(key)
          continue
        }
        found++
        if (gone && seq >= cursor) {
          const upTo = Math.min(seq, ledgerNext)
          if (upTo > cursor) {
            missingCount += upTo - cursor - gone.countIn(cursor, upTo) - lost.countIn(cursor, upTo)
            missing.push([cursor, seq - 1])
          }
          cursor = seq + 1
        }
        // Counted lost before and readable again: held, and delivered after all (counted and delivered).
        if (lost.has(seq)) back.push(seq)
        if (decodeRecord(record)) {
          good++
          goodBytes += bodyBytes(record)
          if (!gone) present.add(seq, seq)
        } else bad.push([key, record])
      }
      more = seen === CHUNK
      if (bad.length > 0) await this.quarantine(bad)
    }
    if (gone && ledgerNext > cursor) {
      missingCount += ledgerNext - cursor - gone.countIn(cursor, ledgerNext) - lost.countIn(cursor, ledgerNext)
      missing.push([cursor, ledgerNext - 1])
    }
    for (const seq of back) lost.remove(seq, seq)
    for (let k = 0; k < stale.length; k += CHUNK) {
      await this.commit(stale.slice(k, k + CHUNK).map((key): Op => ({ type: 'del', sublevel: this.s.batches, key })))
    }
    this.pending = good
    this.bytes = goodBytes
    if (account) {
      this.next = Math.max(this.next, account.next)
      this.floor = account.floor
      // Quarantined during the scan (counted there) went into this.gone; the account's own and the missing join them.
      for (const [from, to] of gone!.list()) this.gone.add(from, to)
      // Missing ranges may span gone seqs (harmless, they are gone either way); lost takes only the held ones.
      this.lost = lost
      for (const [from, to] of missing) {
        if (missingAs === 'gone') {
          this.gone.add(from, to)
          this.lost.remove(from, to)
        } else {
          this.lost.add(from, to)
          for (const [a, b] of this.gone.list()) this.lost.remove(a, b)
        }
      }
      this.hooks.count('corrupt', missingCount)
      if (missingCount > 0) this.hooks.log('error', 'records the buffer held are gone (damage): counted as corrupt', { missing: missingCount, stale: stale.length })
    } else {
      // What the counters held before the damage but the repair could not bring back; from now on the ledger's
      // account starts from what is there.
      this.hooks.count('corrupt', expected - found)
      this.inexactUpTo = 0
      await this.refreshLowest(0)
      this.floor = this.lowestSeq()
      this.gone = new SeqRanges()
      this.lost = new SeqRanges()
      let from = this.floor
      for (const [a, b] of present.list()) {
        if (b < from) continue
        this.gone.add(from, a - 1)
        from = b + 1
      }
      this.gone.add(from, this.next - 1)
    }
    this.passGone()
    await this.commit([])
    await this.refreshLowest(0)
  }

  private state(): LedgerState {
    return { epoch: this.epoch, next: this.next, floor: this.floor, pending: this.pending, gone: new SeqRanges(this.gone.list()), lost: new SeqRanges(this.lost.list()), inexactUpTo: this.inexactUpTo }
  }

  /** One atomic LevelDB batch: the given operations plus the counters they change (DESIGN §5). */
  private async commit(ops: Op[], change: { next?: number; pending?: number; bytes?: number } = {}): Promise<void> {
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

  private async refreshLowest(from: number): Promise<void> {
    this.lowest = this.next
    for await (const key of this.s.batches.keys({ gte: seqKey(from), limit: 1 })) this.lowest = Number(key)
  }

  private async highestSeq(): Promise<number> {
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
