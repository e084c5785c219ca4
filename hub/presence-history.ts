import type { PresenceChange, PresenceStore } from './device-store/types.js'

export type { PresenceChange } from './device-store/types.js'

/**
 * Each device's online/offline changes over time (births and wills on `…/status`, DESIGN §3), kept for availability
 * SLOs and fleet reports (docs/slo.md), in a PresenceStore.
 */
export class PresenceHistory {
  private readonly last = new Map<string, PresenceChange>()

  constructor(private readonly store: PresenceStore) {}

  /**
   * Loads each device's latest change. A device the history last saw online while the hub was down is taken as
   * offline from its last sign of life (`lastSeen`): the hub cannot vouch for the time it did not watch.
   */
  async open(lastSeen: (device: string) => number | undefined): Promise<void> {
    for (const [device, change] of await this.store.latest()) this.last.set(device, change)
    // Every device online at a kill -9 is marked offline here: all at once, since each write is its own device's
    // (one awaited put after another cost a 10,000-device hub seconds of its restart).
    const online = [...this.last].filter(([, change]) => change.online)
    await Promise.all(online.map(([device, change]) => this.record(device, false, Math.max(change.at, lastSeen(device) ?? change.at))))
  }

  /** Records a change; a repeat of the current state is not one. */
  async record(device: string, online: boolean, at: number): Promise<void> {
    const prev = this.last.get(device)
    if (prev && prev.online === online) return
    // A clock step back must not reorder a device's history.
    const change = { at: Math.max(at, prev?.at ?? at), online }
    this.last.set(device, change)
    await this.store.append(device, change)
  }

  devices(): string[] {
    return [...this.last.keys()].sort()
  }

  /** Online and observed ms of `device` in [from, to): observed starts at its first recorded change. */
  async uptime(device: string, from: number, to: number): Promise<{ online: number; observed: number }> {
    let state = await this.store.lastAtOrBefore(device, from)
    let online = 0
    let observed = 0
    let cursor = from
    for await (const change of this.store.changesBetween(device, from, to)) {
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
    await this.store.purgeDevice(device)
  }
}
