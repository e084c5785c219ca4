/**
 * Live changes for consoles (DESIGN §7 `GET /v1/events`): device presence, alert state changes, new error logs.
 * Publishers call `publish`; each SSE client subscribes with its own bounded queue (routes/events.ts), so a slow
 * console loses its oldest events (counted) and never holds the hub's memory.
 */
export type HubEvent =
  | { type: 'device'; device: string; online: boolean; at: number }
  | { type: 'alert'; alert: string; rule: string; device: string; severity: string; state: string; from: string | null; at: number; by?: string }
  | { type: 'log'; device: string; level: string; component?: string; message: string; ts: number }

export type HubEventListener = (event: HubEvent) => void

export class EventBus {
  private readonly listeners = new Set<HubEventListener>()
  /** Events handed to at least one listener, and listeners' events dropped by a full queue. */
  readonly counters = { published: 0, dropped: 0 }

  subscribe(listener: HubEventListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get subscribers(): number {
    return this.listeners.size
  }

  /** Cheap with no console open: callers test `active` before building events. */
  get active(): boolean {
    return this.listeners.size > 0
  }

  publish(event: HubEvent): void {
    if (this.listeners.size === 0) return
    this.counters.published++
    for (const l of this.listeners) l(event)
  }
}
