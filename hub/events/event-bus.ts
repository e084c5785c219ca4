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
  private readonly closers = new Set<() => void>()
  private closed = false
  /** Events handed to at least one listener, and listeners' events dropped by a full queue. */
  readonly counters = { published: 0, dropped: 0 }

  /** `onClose` runs when the hub stops, so each stream ends (an open stream would keep the HTTP server from closing). */
  subscribe(listener: HubEventListener, onClose?: () => void): () => void {
    if (this.closed) {
      onClose?.()
      return () => {}
    }
    this.listeners.add(listener)
    if (onClose) this.closers.add(onClose)
    return () => {
      this.listeners.delete(listener)
      if (onClose) this.closers.delete(onClose)
    }
  }

  /** Ends every stream; later subscribers are ended at once. */
  close(): void {
    this.closed = true
    const closers = [...this.closers]
    this.closers.clear()
    this.listeners.clear()
    for (const c of closers) c()
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
