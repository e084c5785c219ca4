import type { StatusMessage } from '../protocol/batch.js'
import type { DeviceRecord, DeviceStore, DeviceStores } from './device-store/types.js'
import { PresenceHistory } from './presence-history.js'
import type { ClockJump } from './clock.js'

export type { DeviceCounters, DeviceRecord } from './device-store/types.js'

/** Devices the hub has seen (DESIGN §7 /v1/devices), kept in memory and written to a DeviceStore. */
export class DeviceRegistry {
  private readonly devices = new Map<string, DeviceRecord>()
  private readonly dirty = new Set<string>()
  private readonly store: DeviceStore
  private flushing: Promise<void> = Promise.resolve()
  /** A store shared with other hubs (docs/cluster.md): whether a device is connected to this hub. */
  private connectedHere?: (id: string) => boolean
  private syncedAt = -Infinity
  private syncing?: Promise<void>
  /** Online/offline changes over time (availability SLOs, reports). */
  readonly presence: PresenceHistory

  constructor(stores: DeviceStores, private readonly clock: () => number = Date.now) {
    this.store = stores.devices
    this.presence = new PresenceHistory(stores.presence)
  }

  async open(): Promise<void> {
    // Presence is re-learned from births after a hub restart; nobody is connected yet.
    for (const record of await this.store.loadAll()) this.devices.set(record.id, { ...record, online: false })
    await this.presence.open((id) => this.devices.get(id)?.lastSeen)
  }

  /** Other hubs write the records of the devices connected to them into the same store: sync() takes them in. */
  shareStore(connectedHere: (id: string) => boolean): void {
    this.connectedHere = connectedHere
  }

  /**
   * A shared store: takes in what other hubs wrote, at most once a second (the device list). A device connected here,
   * or with changes here not yet written, keeps this hub's record; every other record is the store's.
   */
  sync(): Promise<void> {
    const here = this.connectedHere
    if (!here) return Promise.resolve()
    if (this.syncing) return this.syncing
    if (performance.now() - this.syncedAt < 1_000) return Promise.resolve()
    this.syncedAt = performance.now()
    this.syncing = (async () => {
      await this.flushing.catch(() => {})
      for (const record of await this.store.loadAll()) {
        if (!here(record.id) && !this.dirty.has(record.id)) this.devices.set(record.id, record)
      }
    })().finally(() => (this.syncing = undefined))
    return this.syncing
  }

  list(): DeviceRecord[] {
    return [...this.devices.values()].sort((a, b) => a.id.localeCompare(b.id))
  }

  get(id: string): DeviceRecord | undefined {
    return this.devices.get(id)
  }

  onlineCount(): number {
    let n = 0
    for (const d of this.devices.values()) if (d.online) n++
    return n
  }

  /** A retained status message arrived (birth or will). */
  async applyStatus(id: string, status: StatusMessage): Promise<void> {
    const d = this.touch(id)
    d.online = status.state === 'online'
    if (status.version !== undefined) d.version = status.version
    if (status.host !== undefined) d.host = status.host
    if (status.ep !== undefined) d.epoch = status.ep
    await this.presence.record(id, d.online, this.clock())
    await this.flush()
  }

  recordBacklog(id: string, backlog: { batches: number; bytes: number }): void {
    this.touch(id).backlog = backlog
  }

  /**
   * Reads a device's record from the store again: it moved here from another hub sharing the store, whose counters
   * went on meanwhile (docs/cluster.md). Presence stays as this hub knows it.
   */
  async reload(id: string): Promise<void> {
    await this.flushing.catch(() => {})
    const stored = (await this.store.loadAll()).find((record) => record.id === id)
    if (!stored) return
    const here = this.devices.get(id)
    this.devices.set(id, { ...stored, online: here?.online ?? false })
  }

  /** Forgets a device: its record and presence history (purge, docs/security.md). */
  async purge(id: string): Promise<void> {
    await this.flushing.catch(() => {})
    this.devices.delete(id)
    this.dirty.delete(id)
    await this.store.delete(id)
    await this.presence.purge(id)
  }

  recordBatch(id: string, samples: number, duplicate: boolean, clockOffsetMs: number, corrected: boolean, outOfWindow: number): void {
    const d = this.touch(id)
    d.clockCorrected = corrected
    d.counters.samplesOutOfWindow = (d.counters.samplesOutOfWindow ?? 0) + outOfWindow
    if (duplicate) d.counters.duplicates++
    else {
      d.counters.batches++
      d.counters.samples += samples
    }
    d.clockOffsetMs = clockOffsetMs
  }

  recordClockJump(id: string, jump: ClockJump): void {
    const d = this.touch(id)
    d.clockJumps = (d.clockJumps ?? 0) + 1
    d.lastClockJump = jump
  }

  recordRejected(id: string): void {
    this.touch(id).counters.rejected++
  }

  /** Counts a limit hit; only an authenticated device may create a record (unknown client ids never do). */
  recordLimited(id: string, reason: string, n = 1, authenticated = false): void {
    const d = authenticated ? this.touch(id) : this.devices.get(id)
    if (!d) return
    const limited = (d.counters.limited ??= {})
    limited[reason] = (limited[reason] ?? 0) + n
    this.dirty.add(id)
  }

  /** Writes changed records; called on status changes and periodically. */
  flush(): Promise<void> {
    // A failed flush (the store away: PostgreSQL restarting) keeps its records dirty for the next one, and does not
    // fail the flushes after it.
    const run = this.flushing.catch(() => {}).then(async () => {
      if (this.dirty.size === 0) return
      const ids = [...this.dirty].filter((id) => this.devices.has(id))
      this.dirty.clear()
      try {
        await this.store.putMany(ids.map((id) => this.devices.get(id)!))
      } catch (err) {
        for (const id of ids) this.dirty.add(id)
        throw err
      }
    })
    this.flushing = run
    return run
  }

  private touch(id: string): DeviceRecord {
    let d = this.devices.get(id)
    const now = this.clock()
    if (!d) {
      d = { id, online: false, firstSeen: now, lastSeen: now, counters: { batches: 0, samples: 0, duplicates: 0, rejected: 0, samplesOutOfWindow: 0 } }
      this.devices.set(id, d)
    }
    d.lastSeen = now
    this.dirty.add(id)
    return d
  }
}
