import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { cp, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { LevelBuffer } from '../../../agent/buffer/level-buffer.js'
import { tempDir } from '../../helpers/temp.js'

/**
 * Model-based runs of the agent buffer (issue 11): random sequences of appends (small and large, so the cap drops the
 * oldest), cumulative and selective acks, in and out of order, and reopen (a restart), checked after every step
 * against a model that is just the set of held seqs: every accepted record is held or was acked or dropped and
 * counted, none twice, seqs never reused and in order, disk within the cap plus one file, and `lo` (ackFloor) never
 * above a record still held. A real LevelDB in a temp dir underneath. Two fault steps: a crash (the database's
 * files as kill -9 leaves them, copied while the buffer is open, then opened in place of the dead one) and damage
 * (bytes flipped in a table or log file of the closed database); after damage a record may go missing only if it is
 * counted as corrupt.
 */
const CAP = 4 * 1024 * 1024
/** What the fault steps did across the runs, for the closing line (a fault step that found no table does nothing). */
const faults = { crashes: 0, damaged: 0, corruptCounted: 0 }

interface Model {
  held: Map<number, number> // seq → body tag
  highest: number
  dropped: number
  acked: number
  /** Counted as corrupt so far (all buffer instances), and the records that went missing with them. */
  corrupt: number
  lost: Map<number, number>
  epoch?: string
}

interface Real {
  buffer: LevelBuffer
  dir: string
  epoch: string
  droppedBefore: number
  corruptBefore: number
  /** A damage step ran: from then on a database beyond repair may be moved aside with a new epoch, its records counted. */
  damaged?: boolean
}

function keepsEpoch(r: Real): void {
  if (r.damaged && r.buffer.stats().recoveries.reset > 0) r.epoch = r.buffer.epoch
  expect(r.buffer.epoch).toBe(r.epoch)
}

const bodyOf = (tag: number, size: number) => {
  const b = new Uint8Array(size)
  new DataView(b.buffer).setUint32(0, tag)
  for (let k = 4; k < size; k++) b[k] = (tag * 31 + k) & 0xff
  return b
}
const tagOf = (body: Uint8Array) => new DataView(body.buffer, body.byteOffset, body.byteLength).getUint32(0)
const droppedOf = (b: LevelBuffer) => b.stats().droppedBatches.buffer_full ?? 0

async function check(m: Model, r: Real): Promise<void> {
  m.epoch ??= r.buffer.epoch
  if (r.buffer.epoch !== m.epoch) {
    // Moved aside as beyond repair (only after damage): a new epoch whose seqs start afresh; all that was held is
    // counted as corrupt.
    expect(r.damaged, 'a new epoch without damage').toBe(true)
    const counted = r.corruptBefore + (r.buffer.stats().droppedBatches.corrupt ?? 0) - m.corrupt
    expect(counted, `held ${m.held.size} when moved aside`).toBeGreaterThanOrEqual(m.held.size)
    faults.corruptCounted += counted
    m.corrupt += counted
    m.held.clear()
    m.lost.clear()
    m.highest = 0
    m.epoch = r.buffer.epoch
  }
  // A read returns up to its limit, maybe fewer (the recent records end at a gap): page through as the uplink does.
  const all: Array<{ seq: number; body: Uint8Array }> = []
  for (let after = 0; ; ) {
    const page = await r.buffer.read(after, 1_000)
    if (page.length === 0) break
    all.push(...page)
    after = page[page.length - 1].seq
  }
  const seqs = all.map((x) => x.seq)
  // After damage: a record may be gone only if counted as corrupt (never lost uncounted); one a later repair brings
  // back is taken back (counted and delivered, docs/delivery.md known gaps).
  const corruptNow = r.corruptBefore + (r.buffer.stats().droppedBatches.corrupt ?? 0)
  const found = new Set(seqs)
  const missing = [...m.held.keys()].filter((s) => !found.has(s))
  expect(missing.length, `missing ${missing.slice(0, 10)} with ${corruptNow - m.corrupt} newly counted corrupt`).toBeLessThanOrEqual(corruptNow - m.corrupt)
  for (const s of missing) {
    m.lost.set(s, m.held.get(s)!)
    m.held.delete(s)
  }
  for (const s of seqs) {
    if (!m.held.has(s) && m.lost.has(s)) {
      m.held.set(s, m.lost.get(s)!)
      m.lost.delete(s)
    }
  }
  faults.corruptCounted += corruptNow - m.corrupt
  m.corrupt = corruptNow
  expect(seqs).toEqual([...m.held.keys()].sort((a, b) => a - b))
  for (const x of all) expect(tagOf(x.body)).toBe(m.held.get(x.seq))
  const stats = r.buffer.stats()
  expect(stats.pending).toBe(m.held.size)
  expect(r.droppedBefore + droppedOf(r.buffer)).toBe(m.dropped)
  expect(stats.nextSeq).toBeGreaterThan(m.highest)
  if (seqs.length > 0) expect(r.buffer.ackFloor()).toBeLessThanOrEqual(seqs[0])
  expect(stats.diskBytes).toBeLessThanOrEqual(CAP + r.buffer.fileBytes)
}

class Append implements fc.AsyncCommand<Model, Real> {
  constructor(readonly sizes: number[]) {}
  check = () => true
  async run(m: Model, r: Real) {
    const tags = this.sizes.map((_, k) => m.highest * 100 + k + 1)
    const seqs = await r.buffer.appendMany(this.sizes.map((size, k) => bodyOf(tags[k], size)))
    // Seqs increase, never reused, contiguous within one write.
    expect(seqs[0]).toBeGreaterThan(m.highest)
    seqs.forEach((seq, k) => expect(seq).toBe(seqs[0] + k))
    // The cap drops the oldest first: whatever went missing must be the oldest the model held.
    const droppedNow = r.droppedBefore + droppedOf(r.buffer) - m.dropped
    const oldest = [...m.held.keys()].sort((a, b) => a - b).slice(0, droppedNow)
    for (const seq of oldest) m.held.delete(seq)
    m.dropped += droppedNow
    seqs.forEach((seq, k) => m.held.set(seq, tags[k]))
    m.highest = seqs[seqs.length - 1]
    await check(m, r)
  }
  toString = () => `append(${this.sizes.join(',')})`
}

class AckUpTo implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    const seqs = [...m.held.keys()].sort((a, b) => a - b)
    const upTo = seqs.length > 0 ? seqs[this.pick % seqs.length] : m.highest
    const expected = seqs.filter((s) => s <= upTo).length
    expect(await r.buffer.ack(r.epoch, upTo)).toBe(expected)
    for (const s of seqs) if (s <= upTo) m.held.delete(s)
    m.acked += expected
    await check(m, r)
  }
  toString = () => `ackUpTo(#${this.pick})`
}

class AckSelective implements fc.AsyncCommand<Model, Real> {
  constructor(readonly picks: number[]) {}
  check = () => true
  async run(m: Model, r: Real) {
    const seqs = [...m.held.keys()].sort((a, b) => a - b)
    if (seqs.length === 0) return
    // Out of order and possibly overlapping ranges above the lowest, as the hub's selective acks come.
    const ranges = this.picks.map((p): [number, number] => {
      const a = seqs[p % seqs.length]
      return [a, Math.min(a + (p % 3), m.highest)]
    })
    const covered = new Set(seqs.filter((s) => ranges.some(([a, b]) => s >= a && s <= b)))
    expect(await r.buffer.ackRanges(r.epoch, ranges)).toBe(covered.size)
    for (const s of covered) m.held.delete(s)
    m.acked += covered.size
    await check(m, r)
  }
  toString = () => `ackSelective(${this.picks.join(',')})`
}

class AckOtherEpoch implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    expect(await r.buffer.ack('not-this-epoch', m.highest)).toBe(0)
    await check(m, r)
  }
  toString = () => 'ackOtherEpoch'
}

/** Closes the buffer, runs `between` on its closed files, and opens a new buffer on the directory. */
async function reopen(r: Real, between: () => Promise<void> = async () => {}): Promise<void> {
  r.droppedBefore += droppedOf(r.buffer)
  r.corruptBefore += r.buffer.stats().droppedBatches.corrupt ?? 0
  await r.buffer.close()
  await between()
  r.buffer = new LevelBuffer(r.dir, { maxBytes: CAP, policy: 'drop_oldest', log: debugLog })
  await r.buffer.open()
}

class Reopen implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    await reopen(r)
    keepsEpoch(r)
    await check(m, r)
  }
  toString = () => 'reopen'
}

/**
 * kill -9 between operations: every write the buffer resolved has reached the OS, so the files as they are now are
 * what a killed agent leaves. They are copied while the buffer is still open (a copy during which LevelDB changed
 * its file set is taken again), and the copy is opened in place of the dead process's database.
 */
class Crash implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    const image = `${r.dir}.crash`
    // LevelDB may rotate its log or finish a compaction meanwhile (a file gone mid-copy): copy again, a bounded number of times.
    for (let attempt = 0; ; attempt++) {
      const before = (await readdir(r.dir)).sort().join()
      await rm(image, { recursive: true, force: true })
      const copied = await cp(r.dir, image, { recursive: true }).then(() => true, (err) => {
        if (attempt === 20) throw err
        return false
      })
      if (copied && (await readdir(r.dir)).sort().join() === before) break
      if (attempt === 20) throw new Error('the database kept changing while copied')
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    await reopen(r, async () => {
      await rm(r.dir, { recursive: true, force: true })
      await rename(image, r.dir)
    })
    faults.crashes++
    // A crash loses nothing resolved and reuses no seq (checked by check: held = model, next above the highest).
    keepsEpoch(r)
    await check(m, r)
  }
  toString = () => 'crash'
}

/**
 * Flips 16 bytes of one table or write-ahead log file, chosen by `pick`, while the buffer is closed. Damage there
 * takes records with the counters written in the same batch; the buffer's ledger (outside LevelDB) still counts
 * them (docs/delivery.md, "The agent's buffer").
 */
class Damage implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    await reopen(r, async () => {
      const files = []
      for (const name of (await readdir(r.dir)).sort()) {
        if (!/\.(ldb|log)$/.test(name)) continue
        const size = (await stat(join(r.dir, name))).size
        if (size > 32) files.push({ name, size })
      }
      if (files.length === 0) return
      const { name, size } = files[this.pick % files.length]
      faults.damaged++
      const handle = await open(join(r.dir, name), 'r+')
      try {
        const at = Math.floor((this.pick * 7919) % (size - 16))
        const bytes = Buffer.alloc(16)
        await handle.read(bytes, 0, 16, at)
        for (let k = 0; k < 16; k++) bytes[k] ^= 0xa5
        await handle.write(bytes, 0, 16, at)
      } finally {
        await handle.close()
      }
    })
    // Beyond repair the database is moved aside and a new epoch starts (its records counted as corrupt).
    r.damaged = true
    r.epoch = r.buffer.epoch
    await check(m, r)
  }
  toString = () => `damage(#${this.pick})`
}

const commands = [
  fc.array(fc.integer({ min: 16, max: 2_000 }), { minLength: 1, maxLength: 4 }).map((s) => new Append(s)),
  fc.array(fc.integer({ min: 60_000, max: 300_000 }), { minLength: 1, maxLength: 3 }).map((s) => new Append(s)),
  fc.nat().map((p) => new AckUpTo(p)),
  fc.array(fc.nat(), { minLength: 1, maxLength: 4 }).map((p) => new AckSelective(p)),
  fc.constant(new AckOtherEpoch()),
  fc.constant(new Reopen()),
  fc.constant(new Crash()),
]

/** The same steps with damage among them: slower (repairs), so fewer runs. */
const withDamage = [...commands, fc.nat().map((p) => new Damage(p))]

describe('LevelBuffer against a model (fast-check)', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c()
  })

  // The first counterexample fast-check shrank (seed 426563758): [append(60000,60000), append(60000,60000),
  // ackSelective → [2,2]]. A read stops where the recent records end at a gap and returns fewer than its limit; the
  // records past the gap are there, and a reader that pages on (as the uplink does) gets them all.
  it('regression: after a selective ack in the middle, paging through reads returns every record left', async () => {
    const dir = await tempDir()
    cleanups.push(dir.cleanup)
    const b = new LevelBuffer(dir.dir, { maxBytes: CAP, policy: 'drop_oldest' })
    await b.open()
    cleanups.unshift(() => b.close())
    await b.appendMany([bodyOf(1, 60_000), bodyOf(2, 60_000)])
    await b.appendMany([bodyOf(3, 60_000), bodyOf(4, 60_000)])
    expect(await b.ackRanges(b.epoch, [[2, 2]])).toBe(1)
    const first = await b.read(0, 1_000)
    expect(first.map((x) => x.seq)).toEqual([1])
    expect((await b.read(1, 1_000)).map((x) => x.seq)).toEqual([3, 4])
    expect(b.stats().pending).toBe(3)
    expect(b.ackFloor()).toBe(1)
  })

  it('every accepted record is held, acked or dropped and counted; none twice; order and cap kept', { timeout: 240_000 }, async () => {
    const runs = Number(process.env.OUTPOST_MODEL_RUNS ?? 50)
    let cases = 0
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 40 }), async (cmds) => {
        cases++
        const dir = await tempDir()
        const buffer = new LevelBuffer(dir.dir, { maxBytes: CAP, policy: 'drop_oldest' })
        await buffer.open()
        const real: Real = { buffer, dir: dir.dir, epoch: buffer.epoch, droppedBefore: 0, corruptBefore: 0 }
        try {
          await fc.asyncModelRun(() => ({ model: emptyModel(), real }), cmds)
        } finally {
          await real.buffer.close()
          await dir.cleanup()
          await rm(`${dir.dir}.crash`, { recursive: true, force: true })
        }
      }),
      { numRuns: runs, seed: process.env.OUTPOST_MODEL_SEED ? Number(process.env.OUTPOST_MODEL_SEED) : undefined, path: process.env.OUTPOST_MODEL_PATH },
    )
    console.log(`buffer model: ${cases} cases (${runs} runs plus shrinking; ${faults.crashes} crashes), OUTPOST_MODEL_RUNS=N for more`)
  })

  // Its shrunk counterexamples (uncounted losses before the buffer's ledger) are damage-regression.test.ts.
  const damageRuns = Number(process.env.OUTPOST_MODEL_DAMAGE_RUNS ?? 30)
  it('with damage: every accepted record is held, acked, dropped and counted, or counted as corrupt; none twice', { timeout: Math.max(300_000, damageRuns * 10_000) }, async () => {
    const runs = damageRuns
    let cases = 0
    await fc.assert(
      fc.asyncProperty(fc.commands(withDamage, { maxCommands: 30 }), async (cmds) => {
        cases++
        const dir = await tempDir()
        const buffer = new LevelBuffer(dir.dir, { maxBytes: CAP, policy: 'drop_oldest' })
        await buffer.open()
        const real: Real = { buffer, dir: dir.dir, epoch: buffer.epoch, droppedBefore: 0, corruptBefore: 0 }
        try {
          await fc.asyncModelRun(() => ({ model: emptyModel(), real }), cmds)
        } finally {
          await real.buffer.close()
          await dir.cleanup()
          await rm(`${dir.dir}.crash`, { recursive: true, force: true })
          for (const name of await readdir(join(dir.dir, '..'))) {
            if (name.startsWith(`${dir.dir.split('/').pop()}.corrupt-`)) await rm(join(dir.dir, '..', name), { recursive: true, force: true })
          }
        }
      }),
      { numRuns: runs, seed: process.env.OUTPOST_MODEL_SEED ? Number(process.env.OUTPOST_MODEL_SEED) : undefined, path: process.env.OUTPOST_MODEL_PATH },
    )
    console.log(`buffer model with damage: ${cases} cases (${runs} runs plus shrinking; ${faults.crashes} crashes, ${faults.damaged} tables damaged, ${faults.corruptCounted} records counted corrupt), OUTPOST_MODEL_DAMAGE_RUNS=N for more`)
  })
})

/** OUTPOST_MODEL_LOG=1 prints the buffer's log lines, to read a counterexample. */
const debugLog = process.env.OUTPOST_MODEL_LOG ? (level: string, msg: string, extra?: Record<string, unknown>) => console.log(level, msg, JSON.stringify(extra)) : undefined

const emptyModel = (): Model => ({ held: new Map(), highest: 0, dropped: 0, acked: 0, corrupt: 0, lost: new Map() })
