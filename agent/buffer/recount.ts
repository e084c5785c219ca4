// How the buffer finds its account again after damage (docs/delivery.md, "The ledger"): at open, counters checked
// against the ledger, and a recount from the records themselves when they disagree, after a repair, or when the
// uplink asks (reconcile).
import { bodyBytes, decodeRecord } from './record.js'
import { SeqRanges } from './seq-ranges.js'
import type { LedgerSlot, LedgerState } from './ledger.js'
import { CHUNK, META_BYTES, META_EPOCH, META_FLOOR, META_NEXT_SEQ, META_PENDING, RecordAccount, isBufferEpoch, newEpoch, type Op } from './record-account.js'

/** Seqs skipped after a repair; more batches than this would have to be lost from the newest data to collide. */
export const REPAIR_SEQ_GAP = 1_000_000

export abstract class RecountingStore extends RecordAccount {
  protected async loadCounters(slots: LedgerSlot[], opts: { minNext: number; rescan: boolean; knownPending: number }): Promise<void> {
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
  protected async recount(account: LedgerState | undefined, expected: number, missingAs: 'gone' | 'lost' = 'gone'): Promise<void> {
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
}
