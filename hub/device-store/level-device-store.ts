// Device records and presence changes in LevelDB: tables `devices` (key: device id) and `device-presence`
// (key: device \0 at as 15 digits), values JSON (docs/storage.md).
import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'
import { decimalKey } from '../storage/time-keys.js'
import type { DeviceRecord, DeviceStore, DeviceStores, PresenceChange, PresenceStore } from './types.js'

export class LevelDeviceStore implements DeviceStore {
  private readonly table

  constructor(db: Database) {
    this.table = table<'devices', DeviceRecord>(db, 'devices')
  }

  loadAll(): Promise<DeviceRecord[]> {
    return this.table.values().all()
  }

  async putMany(records: readonly DeviceRecord[]): Promise<void> {
    if (records.length > 0) await this.table.batch(records.map((record) => ({ type: 'put' as const, key: record.id, value: record })))
  }

  async delete(id: string): Promise<void> {
    await this.table.del(id)
  }
}

/** Keys `${device}\0${at}` so one device's history is one key range; device ids never contain \0 (DESIGN §3). */
function presenceKey(device: string, at: number): string {
  return `${device}\0${decimalKey(Math.max(0, at), 15)}`
}

export class LevelPresenceStore implements PresenceStore {
  private readonly table

  constructor(db: Database) {
    this.table = table<'device-presence', PresenceChange>(db, 'device-presence')
  }

  async latest(): Promise<Map<string, PresenceChange>> {
    const last = new Map<string, PresenceChange>()
    for await (const [key, change] of this.table.iterator()) last.set(key.slice(0, key.indexOf('\0')), change)
    return last
  }

  async append(device: string, change: PresenceChange): Promise<void> {
    await this.table.put(presenceKey(device, change.at), change)
  }

  async lastAtOrBefore(device: string, at: number): Promise<PresenceChange | undefined> {
    const [before] = await this.table.values({ gte: presenceKey(device, 0), lte: presenceKey(device, at), reverse: true, limit: 1 }).all()
    return before
  }

  changesBetween(device: string, from: number, to: number): AsyncIterable<PresenceChange> {
    return this.table.values({ gt: presenceKey(device, from), lt: presenceKey(device, to) })
  }

  async purgeDevice(device: string): Promise<void> {
    await this.table.clear({ gte: `${device}\0`, lt: `${device}\x01` })
  }
}

/** Both device stores on the hub's database. */
export function levelDeviceStores(db: Database): DeviceStores {
  return { devices: new LevelDeviceStore(db), presence: new LevelPresenceStore(db) }
}
