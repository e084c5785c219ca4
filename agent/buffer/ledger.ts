import { closeSync, constants, fdatasyncSync, fstatSync, openSync, readFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 } from './record.js'
import { SeqRanges } from './seq-ranges.js'

/**
 * The buffer's account of its seqs, kept outside LevelDB (docs/delivery.md, "The agent's buffer"): damage to a
 * LevelDB log record or table takes the counters written in the same batch with the records, so counters inside the
 * database cannot count what it lost. This small file holds the seq high-water (`next`), the floor and the seqs
 * above the floor that are gone by the buffer's own hand; every seq in [floor, next) outside them must be held.
 * Every LevelDB commit is framed by two writes of it (a few hundred bytes into a fixed-size file, so a full disk does
 * not stop them), each into the other of two slots with its CRC: an intent before (the state the commit will leave)
 * and done after. At open, counters equal to a done slot are sound; counters equal to the slot before an intent are
 * a kill during that commit (it did not happen); anything else is damage, and the newest slot says what must be held.
 */
export const LEDGER_FILE = 'OUTPOST-LEDGER'
const SLOT_BYTES = 8192
const MAGIC_INTENT = 0x4f4c4731 // "OLG1": the state a LevelDB write in progress will leave
const MAGIC_DONE = 0x4f4c4744 // "OLGD": the state LevelDB has (its write resolved)
const HEADER_BYTES = 4 + 8 * 5 + 4 + 1 + 32
/** Gone ranges one slot holds; past that the highest are forgotten (they then look held: counted, never silent). */
export const LEDGER_MAX_RANGES = Math.floor((SLOT_BYTES - HEADER_BYTES - 4) / 16)

export interface LedgerState {
  epoch: string
  next: number
  floor: number
  pending: number
  gone: SeqRanges
  /**
   * Seqs counted as corrupt because no read found them while the database seemed sound (a recount in use): not held,
   * but the floor does not pass them, so if the damage that hid them heals they are delivered after all.
   */
  lost: SeqRanges
  /** Acked ranges up to this seq were forgotten for room (0: none): the gone set is not exact below it. */
  inexactUpTo: number
}

export interface LedgerSlot extends LedgerState {
  gen: number
  /** Written after LevelDB's write resolved; an intent (false) is written before it. */
  done: boolean
}

export class Ledger {
  private gen: number
  private closed = false

  private constructor(
    private readonly fd: number,
    lastGen: number,
    private readonly fsync: boolean,
  ) {
    this.gen = lastGen
  }

  /** Opens (creating) the ledger of the buffer in `dir`; `slots` are its valid slots, newest first. */
  static open(dir: string, fsync: boolean): { ledger: Ledger; slots: LedgerSlot[] } {
    const slots = readLedger(dir)
    const fd = openSync(join(dir, LEDGER_FILE), constants.O_RDWR | constants.O_CREAT, 0o600)
    try {
      // Both slots' blocks are written now, so that later writes overwrite and never need new space.
      const size = fstatSync(fd).size
      if (size < 2 * SLOT_BYTES) writeSync(fd, Buffer.alloc(2 * SLOT_BYTES - size), 0, 2 * SLOT_BYTES - size, size)
    } catch (err) {
      closeSync(fd)
      throw err
    }
    return { ledger: new Ledger(fd, slots[0]?.gen ?? 0, fsync), slots }
  }

  /** Writes `state` as the newest slot. Synchronous: it must be on its way to the disk before LevelDB's write. */
  write(state: LedgerState, done: boolean): void {
    this.gen++
    const slot = encodeSlot({ ...state, gen: this.gen, done })
    writeSync(this.fd, slot, 0, slot.length, (this.gen % 2) * SLOT_BYTES)
    // With fsync the intent must be on the device before LevelDB's write is; a lost done slot only costs a recount.
    if (this.fsync && !done) fdatasyncSync(this.fd)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    closeSync(this.fd)
  }
}

/** The valid slots of the ledger in `dir`, newest first (none when missing or both damaged). */
export function readLedger(dir: string): LedgerSlot[] {
  let bytes: Buffer
  try {
    bytes = readFileSync(join(dir, LEDGER_FILE))
  } catch {
    return []
  }
  const slots: LedgerSlot[] = []
  for (let at = 0; at + HEADER_BYTES <= bytes.length && at < 2 * SLOT_BYTES; at += SLOT_BYTES) {
    const slot = decodeSlot(bytes.subarray(at, Math.min(bytes.length, at + SLOT_BYTES)))
    if (slot) slots.push(slot)
  }
  return slots.sort((a, b) => b.gen - a.gen)
}

/** Held seqs by the ledger's account: [floor, next) less the gone ones. */
export const expectedCount = (s: LedgerState): number => Math.max(0, s.next - s.floor - s.gone.countIn(s.floor, s.next) - s.lost.countIn(s.floor, s.next))

function encodeSlot(s: LedgerSlot): Buffer {
  // Lost ranges are stored negated after the gone ones.
  const ranges = [...s.gone.list(), ...s.lost.list().map(([a, b]): [number, number] => [-a, -b])]
  const size = HEADER_BYTES + ranges.length * 16 + 4
  const buf = Buffer.alloc(size)
  let at = 0
  buf.writeUInt32BE(s.done ? MAGIC_DONE : MAGIC_INTENT, at)
  at += 4
  for (const n of [s.gen, s.next, s.floor, s.pending, s.inexactUpTo]) {
    buf.writeDoubleBE(n, at)
    at += 8
  }
  buf.writeUInt32BE(ranges.length, at)
  at += 4
  const epoch = Buffer.from(s.epoch, 'utf8').subarray(0, 32)
  buf.writeUInt8(epoch.length, at)
  epoch.copy(buf, at + 1)
  at += 33
  for (const [from, to] of ranges) {
    buf.writeDoubleBE(from, at)
    buf.writeDoubleBE(to, at + 8)
    at += 16
  }
  buf.writeUInt32BE(crc32(buf.subarray(0, at)), at)
  return buf
}

function decodeSlot(buf: Buffer): LedgerSlot | undefined {
  const magic = buf.readUInt32BE(0)
  if (magic !== MAGIC_DONE && magic !== MAGIC_INTENT) return undefined
  const [gen, next, floor, pending, inexactUpTo] = [0, 1, 2, 3, 4].map((k) => buf.readDoubleBE(4 + 8 * k))
  const count = buf.readUInt32BE(44)
  const end = HEADER_BYTES + count * 16
  if (count > LEDGER_MAX_RANGES || end + 4 > buf.length) return undefined
  if (crc32(buf.subarray(0, end)) !== buf.readUInt32BE(end)) return undefined
  const epoch = buf.subarray(49, 49 + buf.readUInt8(48)).toString('utf8')
  const gone = new SeqRanges()
  const lost = new SeqRanges()
  for (let at = HEADER_BYTES; at < end; at += 16) {
    const [from, to] = [buf.readDoubleBE(at), buf.readDoubleBE(at + 8)]
    if (from < 0) lost.add(-from, -to)
    else gone.add(from, to)
  }
  return { gen, next, floor, pending, inexactUpTo, epoch, gone, lost, done: magic === MAGIC_DONE }
}
