// The dedup mark store's conformance suite (aedes-persistence's abstract.js way): every backend runs it unchanged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DedupMark, DedupMarkStore, Stageable } from '../../../hub/storage/types.js'

export interface DedupMarkStoreHarness {
  store: DedupMarkStore
  /** Runs `stage` on a fresh commit and writes it; with `fail`, the write is made to fail after staging. */
  write(stage: (commit: Stageable) => void, options?: { fail?: boolean }): Promise<void>
  /** Closes the store and its database and opens them again from disk. */
  reopen(): Promise<DedupMarkStore>
  cleanup(): Promise<void>
}

const mark = (w: number, ranges: Array<[number, number]> = []): DedupMark => ({ w, ranges })

export function runDedupMarkStoreSuite(name: string, makeHarness: () => Promise<DedupMarkStoreHarness>): void {
  describe(`DedupMarkStore conformance: ${name}`, () => {
    let harness: DedupMarkStoreHarness
    let store: DedupMarkStore
    beforeEach(async () => {
      harness = await makeHarness()
      store = harness.store
    })
    afterEach(async () => harness.cleanup())
    const put = (device: string, epoch: string, m: DedupMark) => harness.write((c) => store.stage(c, device, epoch, m))

    it('has no mark for a (device, epoch) never written', async () => {
      expect(await store.get('dev-1', 'ep-1')).toBeUndefined()
    })

    it('reads back a committed mark exactly, ranges and large seqs included, after a reopen too', async () => {
      const m = mark(2 ** 40, [[2 ** 40 + 2, 2 ** 40 + 5], [2 ** 40 + 9, 2 ** 40 + 9]])
      await put('dev-1', 'ep-1', m)
      expect(await store.get('dev-1', 'ep-1')).toEqual(m)
      store = await harness.reopen()
      expect(await store.get('dev-1', 'ep-1')).toEqual(m)
    })

    it('keeps one mark per (device, epoch): a later write replaces it, other epochs and devices untouched', async () => {
      await put('dev-1', 'ep-1', mark(3))
      await put('dev-1', 'ep-2', mark(7, [[9, 9]]))
      await put('dev-2', 'ep-1', mark(1))
      await put('dev-1', 'ep-1', mark(4, [[6, 8]]))
      expect(await store.get('dev-1', 'ep-1')).toEqual(mark(4, [[6, 8]]))
      expect(await store.get('dev-1', 'ep-2')).toEqual(mark(7, [[9, 9]]))
      expect(await store.get('dev-2', 'ep-1')).toEqual(mark(1))
    })

    it('takes the last of two stages of one mark in a commit', async () => {
      await harness.write((c) => {
        store.stage(c, 'dev-1', 'ep-1', mark(1))
        store.stage(c, 'dev-1', 'ep-1', mark(2))
      })
      expect(await store.get('dev-1', 'ep-1')).toEqual(mark(2))
    })

    it('stores nothing when the commit fails, and keeps the previous mark', async () => {
      await put('dev-1', 'ep-1', mark(1))
      await expect(harness.write((c) => store.stage(c, 'dev-1', 'ep-1', mark(2)), { fail: true })).rejects.toThrow()
      await expect(harness.write((c) => store.stage(c, 'dev-1', 'ep-2', mark(5)), { fail: true })).rejects.toThrow()
      store = await harness.reopen()
      expect(await store.get('dev-1', 'ep-1')).toEqual(mark(1))
      expect(await store.get('dev-1', 'ep-2')).toBeUndefined()
    })

    it('purges every epoch of one device and no other device, even one whose id it prefixes', async () => {
      for (const dev of ['dev-1', 'dev-10', 'dev-1.a', 'dev-1_']) await put(dev, 'ep-1', mark(1))
      await put('dev-1', 'ep-2', mark(2))
      await put('dev-1', '', mark(3))
      expect(await store.purgeDevice('dev-1')).toBe(3)
      expect(await store.purgeDevice('dev-1')).toBe(0)
      store = await harness.reopen()
      expect(await store.get('dev-1', 'ep-1')).toBeUndefined()
      expect(await store.get('dev-1', 'ep-2')).toBeUndefined()
      for (const dev of ['dev-10', 'dev-1.a', 'dev-1_']) expect(await store.get(dev, 'ep-1')).toEqual(mark(1))
    })

    it('takes any epoch text, one never clashing with another', async () => {
      const epochs = ['a', 'a\x00b', 'ä-ε-🙂', 'x'.repeat(200)]
      for (const [i, ep] of epochs.entries()) await put('dev-1', ep, mark(i + 1))
      for (const [i, ep] of epochs.entries()) expect(await store.get('dev-1', ep)).toEqual(mark(i + 1))
    })
  })
}
