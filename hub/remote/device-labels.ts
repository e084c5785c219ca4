import type { Database } from '../storage/db.js'
import { table } from '../storage/keyspace.js'

export type DeviceLabels = Record<string, string>

/** Label names and values (docs/agent.md): what a fleet selector `label.K=V` matches. */
export const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/
export const MAX_LABELS = 32

/**
 * Labels per device (sublevel `device-labels`), set by an admin with `PUT /v1/devices/{id}/labels`. Kept apart from
 * credentials and the registry of seen devices, so bulk provisioning can set them later without touching either.
 */
export class DeviceLabelStore {
  private readonly table
  private readonly labels = new Map<string, DeviceLabels>()
  /** Label names in use by any device, rebuilt after a change (queries ask on every series lookup). */
  private keyCache?: Set<string>
  private readonly listeners = new Set<() => void>()

  constructor(db: Database) {
    this.table = table<'device-labels', DeviceLabels>(db, 'device-labels')
  }

  async open(): Promise<void> {
    for await (const [id, labels] of this.table.iterator()) this.labels.set(id, labels)
  }

  get(device: string): DeviceLabels {
    return this.labels.get(device) ?? {}
  }

  async set(device: string, labels: DeviceLabels): Promise<void> {
    this.labels.set(device, labels)
    this.keyCache = undefined
    this.changed()
    await this.table.put(device, labels)
  }

  /** Calls `listener` after any device's labels change (caches of query answers, hub/prometheus/result-cache.ts). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private changed(): void {
    for (const listener of this.listeners) listener()
  }

  /** Sets the labels of many devices in one LevelDB batch (bulk provisioning). */
  async setMany(entries: Array<[string, DeviceLabels]>): Promise<void> {
    if (entries.length === 0) return
    await this.table.batch(entries.map(([device, labels]) => ({ type: 'put' as const, key: device, value: labels })))
    for (const [device, labels] of entries) this.labels.set(device, labels)
    this.keyCache = undefined
    this.changed()
  }

  /** Every label name some device has. */
  keys(): ReadonlySet<string> {
    if (!this.keyCache) {
      this.keyCache = new Set()
      for (const labels of this.labels.values()) for (const k of Object.keys(labels)) this.keyCache.add(k)
    }
    return this.keyCache
  }

  /** Every device with labels, for applying them to series (hub/metrics/device-labels). */
  entries(): IterableIterator<[string, DeviceLabels]> {
    return this.labels.entries()
  }

  /** Devices whose labels include every `K=V` of `matchers`. */
  matching(devices: string[], matchers: DeviceLabels): string[] {
    return devices.filter((d) => Object.entries(matchers).every(([k, v]) => this.labels.get(d)?.[k] === v))
  }
}
