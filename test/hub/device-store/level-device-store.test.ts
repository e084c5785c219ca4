import { afterEach, describe, expect, it } from 'vitest'
import { LevelDeviceStore, LevelPresenceStore, levelDeviceStores } from '../../../hub/device-store/level-device-store.js'
import { DeviceRegistry } from '../../../hub/devices.js'
import type { Database } from '../../../hub/storage/db.js'
import { levelStoreHarness } from '../../helpers/level-store-harness.js'
import { runDeviceStoreSuite } from './device-store.case.js'
import { runPresenceStoreSuite } from './presence-store.case.js'

const levelHarness = <S>(make: (db: Database) => S) => levelStoreHarness(make, 'outpost-device-store-')

runDeviceStoreSuite('LevelDeviceStore', () => levelHarness((db) => new LevelDeviceStore(db)))
runPresenceStoreSuite('LevelPresenceStore', () => levelHarness((db) => new LevelPresenceStore(db)))

describe('device stores on disk', () => {
  let harness: Awaited<ReturnType<typeof levelHarness<unknown>>> | undefined
  afterEach(async () => harness?.cleanup())

  it('DeviceRegistry writes the layout of docs/storage.md: devices by id, presence by device \\0 ts (15 digits)', async () => {
    let now = 1_000
    harness = await levelHarness(() => undefined)
    const registry = new DeviceRegistry(levelDeviceStores(harness.db), () => now)
    await registry.open()
    await registry.applyStatus('pi-1', { state: 'online', ep: 'e1' } as never)
    now = 2_000
    await registry.applyStatus('pi-1', { state: 'offline' } as never)
    const rows = (prefix: string) => harness!.db.sublevel<string, unknown>(prefix, { valueEncoding: 'json' }).iterator().all()
    expect(await rows('devices')).toEqual([['pi-1', expect.objectContaining({ id: 'pi-1', online: false, epoch: 'e1', firstSeen: 1_000, lastSeen: 2_000 })]])
    expect(await rows('device-presence')).toEqual([
      ['pi-1\x00000000000001000', { at: 1_000, online: true }],
      ['pi-1\x00000000000002000', { at: 2_000, online: false }],
    ])
  })

  it('DeviceRegistry stores every birth of a storm, and a restart after kill -9 marks every one offline', async () => {
    harness = await levelHarness(() => undefined)
    const stores = levelDeviceStores(harness.db)
    const registry = new DeviceRegistry(stores, () => 1_000)
    await registry.open()
    // A reconnect storm: 500 births at once, each awaiting its flush (docs/fleet.md).
    await Promise.all(Array.from({ length: 500 }, (_, k) => registry.applyStatus(`pi-${k}`, { state: 'online', ep: `e${k}` } as never)))
    const stored = await stores.devices.loadAll()
    expect(stored).toHaveLength(500)
    expect(stored.every((d) => d.online && d.epoch === `e${d.id.slice(3)}`)).toBe(true)
    expect((await stores.presence.latest()).size).toBe(500)
    // A hub restarted after kill -9 marks each of them offline (their writes run together, presence-history.ts).
    const again = new DeviceRegistry(levelDeviceStores(harness.db), () => 2_000)
    await again.open()
    expect(again.onlineCount()).toBe(0)
    expect([...(await stores.presence.latest()).values()].every((c) => !c.online && c.at === 1_000)).toBe(true)
  })

  it('DeviceRegistry closes a presence left online by a stopped hub at the device\'s last sign of life', async () => {
    harness = await levelHarness(() => undefined)
    const presence = new LevelPresenceStore(harness.db)
    await new LevelDeviceStore(harness.db).putMany([{ id: 'pi-1', online: true, firstSeen: 0, lastSeen: 5_000, counters: { batches: 0, samples: 0, duplicates: 0, rejected: 0, samplesOutOfWindow: 0 } }])
    await presence.append('pi-1', { at: 1_000, online: true })
    const registry = new DeviceRegistry(levelDeviceStores(harness.db), () => 9_000)
    await registry.open()
    expect(registry.get('pi-1')?.online).toBe(false)
    expect(await registry.presence.uptime('pi-1', 0, 10_000)).toEqual({ online: 4_000, observed: 9_000 })
  })
})
