import type { ClockJump } from '../clock.js'
// The device stores' interfaces (DESIGN §6, §7 /v1/devices): the records DeviceRegistry (hub/devices.ts) keeps and the
// presence changes PresenceHistory (hub/presence-history.ts) keeps. Both classes hold the logic (counters, what a
// change is, uptime) and reach storage only through these. LevelDB implementations beside this file; every
// implementation must pass test/hub/device-store/device-store.case.ts and presence-store.case.ts.

export interface DeviceCounters {
  batches: number
  samples: number
  duplicates: number
  rejected: number
  /** Samples refused for lying outside the accepted time window. */
  samplesOutOfWindow: number
  /** Refusals and slow-downs by a security limit or the ACL, by reason (docs/security.md). */
  limited?: Record<string, number>
}

export interface DeviceRecord {
  id: string
  online: boolean
  firstSeen: number
  lastSeen: number
  version?: string
  host?: Record<string, unknown>
  epoch?: string
  /** Estimated hub time − device time, ms (the raw offset, kept whether or not it is corrected). */
  clockOffsetMs?: number
  /** True while stored timestamps are shifted by the offset (it exceeds the threshold). */
  clockCorrected?: boolean
  /** Steps of the device's clock the hub saw (hub/clock.ts), and the latest. */
  clockJumps?: number
  lastClockJump?: ClockJump
  counters: DeviceCounters
  /** The agent's buffer backlog from its latest self-metrics (outpost_agent_batches_pending, …_buffer_bytes). */
  backlog?: { batches: number; bytes: number }
}

/** One change of a device's presence. */
export interface PresenceChange {
  at: number
  online: boolean
}

/** Device records by id. */
export interface DeviceStore {
  /** Every stored record, by id ascending. */
  loadAll(): Promise<DeviceRecord[]>
  /** Writes the records in one atomic write, each replacing the stored record of its id. */
  putMany(records: readonly DeviceRecord[]): Promise<void>
  /** Deletes the record of `id` (nothing when there is none). */
  delete(id: string): Promise<void>
}

/** Each device's presence changes in time order; one change per (device, at): a later one at the same time replaces it. */
export interface PresenceStore {
  /** Each device's latest change (the highest `at`). */
  latest(): Promise<Map<string, PresenceChange>>
  append(device: string, change: PresenceChange): Promise<void>
  /** The device's latest change with `at` <= the given time. */
  lastAtOrBefore(device: string, at: number): Promise<PresenceChange | undefined>
  /** The device's changes with `from` < at < `to`, oldest first. */
  changesBetween(device: string, from: number, to: number): AsyncIterable<PresenceChange>
  /** Erases every change of `device`, and no other device's. */
  purgeDevice(device: string): Promise<void>
}

export interface DeviceStores {
  devices: DeviceStore
  presence: PresenceStore
}
