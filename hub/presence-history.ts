import type { Database } from './storage/db.js'
import { table } from './storage/keyspace.js'

/** One change of a device's presence. */
export interface PresenceChange {
  at: number
  online: boolean
}

/**
 * Each device's online/offline changes over time (births and wills on `…/status`, DESIGN §3), kept for availability
 * SLOs and fleet reports (docs/slo.md). Keys `${device}\0${at}` so one device's history is one key range.
 */
export class PresenceHistory {
  readonly table
  private readonly last = new Map<string, PresenceChange>()

  constructor(db: Database) {
    this.table = table<'device-presence', PresenceChange>(db, 'device-presence')
  }

  /**
   * Loads each device's latest change. A device the history last saw online while the hub was down is taken as
   * offline from its last sign of life (`lastSeen`): the hub cannot vouch for the time it did not watch.
   */
  async open(lastSeen: (device: string) => number | undefined): Promise<void> {
    for await (const [key, change] of this.table.iterator()) this.last.set(key.slice(0, key.indexOf('\0')), change)
    for (const [device, change] of this.last) {
      if (!change.online) continue
      await this.record(device, false, Math.max(change.at, lastSeen(device) ?? change.at))
    }
  }

  /** Records a change; a repeat of the current state is not one. */
  async record(device: string, online: boolean, at: number): Promise<void> {
    const prev = this.last.get(device)
    if (prev && prev.online === online) return
    // A clock step back must not reorder a device's history.
    const change = { at: Math.max(at, prev?.at ?? at), online }
    this.last.set(device, change)
    await this.table.put(presenceKey(device, change.at), change)
  }

  devices(): string[] {
    return [...this.last.keys()].sort()
  }

  /** Online and observed ms of `device` in [from, to): observed starts at its first recorded change. */
  async uptime(device: string, from: number, to: number): Promise<{ online: number; observed: number }> {
    let state: PresenceChange | undefined
    const [before] = await this.table.values({ gte: presenceKey(device, 0), lte: presenceKey(device, from), reverse: true, limit: 1 }).all()
    state = before
    let online = 0
    let observed = 0
    let cursor = from
    for await (const change of this.table.values({ gt: presenceKey(device, from), lt: presenceKey(device, to) })) {
      if (state) {
        observed += change.at - cursor
        if (state.online) online += change.at - cursor
      }
      cursor = change.at
      state = change
    }
    if (state) {
      observed += to - cursor
      if (state.online) online += to - cursor
    }
    return { online, observed }
  }

  /** Erases a device's history (purge). */
  async purge(device: string): Promise<void> {
    this.last.delete(device)
    await this.table.clear({ gte: `${device}\0`, lt: `${device}\x01` })
  }
}

function presenceKey(device: string, at: number): string {
  return `${device}\0${String(Math.max(0, at)).padStart(15, '0')}`
}
