// The device store's conformance suite (aedes-persistence's abstract.js way): every backend runs it unchanged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { DeviceRecord, DeviceStore } from '../../../hub/device-store/types.js'

export interface DeviceStoreHarness {
  store: DeviceStore
  /** Closes the store and its database and opens them again from disk. */
  reopen(): Promise<DeviceStore>
  cleanup(): Promise<void>
}

export const deviceRecord = (id: string, extra: Partial<DeviceRecord> = {}): DeviceRecord => ({
  id,
  online: false,
  firstSeen: 1_000,
  lastSeen: 2_000,
  counters: { batches: 0, samples: 0, duplicates: 0, rejected: 0, samplesOutOfWindow: 0 },
  ...extra,
})

export function runDeviceStoreSuite(name: string, makeHarness: () => Promise<DeviceStoreHarness>): void {
  describe(`DeviceStore conformance: ${name}`, () => {
    let harness: DeviceStoreHarness
    let store: DeviceStore
    beforeEach(async () => {
      harness = await makeHarness()
      store = harness.store
    })
    afterEach(async () => harness.cleanup())
    const reopen = async () => (store = await harness.reopen())

    it('starts empty, and an empty write changes nothing', async () => {
      expect(await store.loadAll()).toEqual([])
      await store.putMany([])
      expect(await store.loadAll()).toEqual([])
    })

    it('reads back every field after a reopen, records by id ascending', async () => {
      const full = deviceRecord('pi-2', {
        online: true,
        version: '1.2.3',
        host: { os: 'linux', cpus: 4, nested: { a: [1, 'b'] } },
        epoch: 'ep-9',
        clockOffsetMs: -1234.5,
        clockCorrected: true,
        counters: { batches: 5, samples: 50, duplicates: 1, rejected: 2, samplesOutOfWindow: 3, limited: { rate: 4 } },
        backlog: { batches: 7, bytes: 7000 },
      })
      await store.putMany([full, deviceRecord('pi-10'), deviceRecord('a-1')])
      await reopen()
      expect(await store.loadAll()).toEqual([deviceRecord('a-1'), deviceRecord('pi-10'), full])
    })

    it('replaces a record by id and deletes one, leaving the others', async () => {
      await store.putMany([deviceRecord('d1'), deviceRecord('d2'), deviceRecord('d3')])
      await store.putMany([deviceRecord('d2', { lastSeen: 9_000, counters: { batches: 1, samples: 2, duplicates: 0, rejected: 0, samplesOutOfWindow: 0 } })])
      await store.delete('d3')
      await store.delete('never-stored')
      await reopen()
      const all = await store.loadAll()
      expect(all.map((d) => d.id)).toEqual(['d1', 'd2'])
      expect(all[1]).toMatchObject({ lastSeen: 9_000, counters: { batches: 1, samples: 2 } })
      // A field left out of a later record is gone, not merged.
      await store.putMany([deviceRecord('d1', { version: '1' })])
      await store.putMany([deviceRecord('d1')])
      expect((await store.loadAll())[0].version).toBeUndefined()
    })

    it('takes concurrent writes of different records without losing any', async () => {
      const ids = Array.from({ length: 40 }, (_, i) => `dev-${String(i).padStart(2, '0')}`)
      await Promise.all(ids.map((id) => store.putMany([deviceRecord(id)])))
      expect((await store.loadAll()).map((d) => d.id)).toEqual(ids)
    })
  })
}
