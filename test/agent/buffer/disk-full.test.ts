import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest'
import { join } from 'node:path'
import type { LevelBuffer } from '../../../agent/buffer/level-buffer.js'
import { BufferFullError } from '../../../agent/buffer/types.js'
import { mountSmallFs, type SmallFs } from '../../helpers/small-fs.js'
import { tempDir } from '../../helpers/temp.js'
import { bodyFor, openBuffer, readAll, sameBytes } from './fixtures.js'

// Issue 11, item 5: the buffer on a 24 MiB tmpfs mounted for the test, far below its 64 MiB cap; a filler file
// takes the disk's free space as other programs' files would.
const BODY = 64 * 1024 // random bytes: LevelDB cannot compress them
const CAP = 64 * 1024 * 1024

describe('LevelBuffer on a full disk', { timeout: 120_000 }, () => {
  let tmp: { dir: string; cleanup: () => Promise<void> }
  let fs: SmallFs | undefined
  let buffer: LevelBuffer | undefined
  beforeEach(async () => {
    tmp = await tempDir()
  })
  afterEach(async () => {
    await buffer?.close().catch(() => {})
    buffer = undefined
    await fs?.unmount()
    fs = undefined
    await tmp.cleanup()
  })
  const mount = async (ctx: TestContext): Promise<SmallFs> => {
    const mounted = await mountSmallFs(tmp.dir, 24)
    if ('unavailable' in mounted) ctx.skip(mounted.unavailable)
    return (fs = mounted as SmallFs)
  }

  it('drop_oldest: a disk smaller than the cap drops the oldest, counted as disk_full, and never runs out of space', async (ctx) => {
    const small = await mount(ctx)
    await small.fill(10 * 1024 * 1024)
    const b = (buffer = await openBuffer(join(small.dir, 'buffer'), { maxBytes: CAP, policy: 'drop_oldest' }))
    const total = Math.ceil((40 * 1024 * 1024) / BODY) // four times what the disk leaves
    let leastFree = Infinity
    for (let seq = 1; seq <= total; seq++) {
      expect(await b.append(bodyFor(seq, BODY))).toBe(seq)
      leastFree = Math.min(leastFree, await small.freeBytes())
    }
    expect(leastFree).toBeGreaterThan(0)
    const held = await readAll(b)
    const missing = total - held.length
    expect(missing).toBeGreaterThan(0)
    expect(b.stats().droppedBatches).toEqual({ disk_full: missing })
    expect(b.stats().noSpaceErrors).toBe(0)
    expect(held.map((h) => h.seq)).toEqual(Array.from({ length: held.length }, (_, i) => missing + 1 + i))
    for (const { seq, body } of held) expect(sameBytes(body, bodyFor(seq, BODY))).toBe(true)

    // Space comes back: the buffer holds more again, with no new drops.
    await small.release()
    for (let seq = total + 1; seq <= total + 100; seq++) expect(await b.append(bodyFor(seq, BODY))).toBe(seq)
    expect(b.stats().droppedBatches).toEqual({ disk_full: missing })
    expect(b.stats().pending).toBe(held.length + 100)
  })

  it('block: refuses new data once the disk is full, keeps all it accepted, and takes data again when space returns', async (ctx) => {
    const small = await mount(ctx)
    await small.fill(10 * 1024 * 1024)
    const b = (buffer = await openBuffer(join(small.dir, 'buffer'), { maxBytes: CAP, policy: 'block' }))
    let accepted = 0
    let refusal: unknown
    for (let seq = 1; seq <= 1_000 && !refusal; seq++) {
      await b.append(bodyFor(seq, BODY)).then(() => accepted++, (err) => (refusal = err))
    }
    expect(refusal).toBeInstanceOf(BufferFullError)
    expect((refusal as Error).message).toBe('disk full')
    expect(accepted).toBeGreaterThan(50)
    expect(await small.freeBytes()).toBeGreaterThan(0)
    expect((await readAll(b)).map((h) => h.seq)).toEqual(Array.from({ length: accepted }, (_, i) => i + 1))
    expect(b.stats().droppedBatches).toEqual({})
    await small.release()
    expect(await b.append(bodyFor(accepted + 1, BODY))).toBe(accepted + 1)
  })

  for (const policy of ['drop_oldest', 'block'] as const) {
    it(`${policy}: a disk filled to the last byte behind the buffer's back fails writes as BufferFullError, never crashes, and recovers with no seq reused`, async (ctx) => {
      const small = await mount(ctx)
      const b = (buffer = await openBuffer(join(small.dir, 'buffer'), { maxBytes: CAP, policy }))
      for (let seq = 1; seq <= 20; seq++) await b.append(bodyFor(seq, BODY))
      await small.fill(0) // between two measurements: the next write meets ENOSPC itself
      const refused: unknown[] = []
      for (let i = 0; i < 5; i++) await b.append(bodyFor(1_000 + i, BODY)).then(() => {}, (err) => refused.push(err))
      expect(refused.length).toBeGreaterThan(0)
      for (const err of refused) {
        expect(err).toBeInstanceOf(BufferFullError)
        expect((err as Error).message).toMatch(/^disk full/)
      }
      expect(b.stats().noSpaceErrors).toBeGreaterThan(0)
      await b.read(0, 10).catch((err) => expect(err).toBeInstanceOf(BufferFullError))

      await small.release()
      const seq = await b.append(bodyFor(2_000, BODY))
      const held = await readAll(b)
      const seqs = held.map((h) => h.seq)
      expect(new Set(seqs).size).toBe(seqs.length)
      expect(seq).toBe(Math.max(...seqs))
      // The twenty accepted before the disk filled are all there unless counted as dropped (drop_oldest only).
      const early = seqs.filter((s) => s <= 20).length
      expect(early + (b.stats().droppedBatches.disk_full ?? 0)).toBeGreaterThanOrEqual(20)
      if (policy === 'block') expect(early).toBe(20)
      for (const { seq: s, body } of held.filter((h) => h.seq <= 20)) expect(sameBytes(body, bodyFor(s, BODY))).toBe(true)
    })
  }
})
