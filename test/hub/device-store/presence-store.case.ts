// The presence store's conformance suite (aedes-persistence's abstract.js way): every backend runs it unchanged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { PresenceChange, PresenceStore } from '../../../hub/device-store/types.js'

export interface PresenceStoreHarness {
  store: PresenceStore
  /** Closes the store and its database and opens them again from disk. */
  reopen(): Promise<PresenceStore>
  cleanup(): Promise<void>
}

const on = (at: number): PresenceChange => ({ at, online: true })
const off = (at: number): PresenceChange => ({ at, online: false })

async function collect(changes: AsyncIterable<PresenceChange>): Promise<PresenceChange[]> {
  const out: PresenceChange[] = []
  for await (const change of changes) out.push(change)
  return out
}

export function runPresenceStoreSuite(name: string, makeHarness: () => Promise<PresenceStoreHarness>): void {
  describe(`PresenceStore conformance: ${name}`, () => {
    let harness: PresenceStoreHarness
    let store: PresenceStore
    beforeEach(async () => {
      harness = await makeHarness()
      store = harness.store
    })
    afterEach(async () => harness.cleanup())
    const reopen = async () => (store = await harness.reopen())

    it('starts empty', async () => {
      expect(await store.latest()).toEqual(new Map())
      expect(await store.lastAtOrBefore('d', Date.now())).toBeUndefined()
      expect(await collect(store.changesBetween('d', 0, Date.now()))).toEqual([])
    })

    it('answers each device\'s latest change by time, not by write order, after a reopen', async () => {
      await store.append('dev-1', on(1_000))
      await store.append('dev-1', off(5_000))
      await store.append('dev-1', on(3_000))
      await store.append('dev-2', on(2_000))
      await reopen()
      expect(await store.latest()).toEqual(new Map([['dev-1', off(5_000)], ['dev-2', on(2_000)]]))
    })

    it('keeps one change per (device, time): a later one at the same time replaces it', async () => {
      await store.append('dev-1', on(1_000))
      await store.append('dev-1', off(1_000))
      expect(await collect(store.changesBetween('dev-1', 0, 2_000))).toEqual([off(1_000)])
      expect(await store.latest()).toEqual(new Map([['dev-1', off(1_000)]]))
    })

    it('finds the last change at or before a time, and the changes strictly between two times, oldest first', async () => {
      for (const change of [on(1_000), off(2_000), on(3_000), off(4_000)]) await store.append('dev-1', change)
      await store.append('dev-10', on(2_500))
      expect(await store.lastAtOrBefore('dev-1', 999)).toBeUndefined()
      expect(await store.lastAtOrBefore('dev-1', 1_000)).toEqual(on(1_000))
      expect(await store.lastAtOrBefore('dev-1', 2_999)).toEqual(off(2_000))
      expect(await store.lastAtOrBefore('dev-1', 1e13)).toEqual(off(4_000))
      expect(await collect(store.changesBetween('dev-1', 1_000, 4_000))).toEqual([off(2_000), on(3_000)])
      expect(await collect(store.changesBetween('dev-1', 999, 4_001))).toEqual([on(1_000), off(2_000), on(3_000), off(4_000)])
      expect(await collect(store.changesBetween('dev-1', 2_000, 2_000))).toEqual([])
      expect(await collect(store.changesBetween('dev-10', 0, 1e13))).toEqual([on(2_500)])
    })

    it('purges one device and no other, even one whose id it prefixes', async () => {
      await store.append('dev-1', on(1_000))
      await store.append('dev-1', off(2_000))
      await store.append('dev-10', on(1_500))
      await store.append('dev-1.b', on(1_600))
      await store.purgeDevice('dev-1')
      await reopen()
      expect(await store.latest()).toEqual(new Map([['dev-1.b', on(1_600)], ['dev-10', on(1_500)]]))
      expect(await store.lastAtOrBefore('dev-1', 1e13)).toBeUndefined()
    })

    it('takes concurrent appends of many devices without losing any', async () => {
      const devices = Array.from({ length: 30 }, (_, i) => `dev-${i}`)
      await Promise.all(devices.flatMap((d) => [store.append(d, on(1_000)), store.append(d, off(2_000))]))
      const latest = await store.latest()
      expect(latest.size).toBe(30)
      for (const d of devices) expect(await collect(store.changesBetween(d, 0, 3_000))).toEqual([on(1_000), off(2_000)])
    })
  })
}
