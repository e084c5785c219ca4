/** A token bucket per client: how long a publish of `bytes` must wait so the client stays under its rates. */
export class PublishRate {
  private readonly buckets = new Map<string, { msgs: number; bytes: number; at: number }>()

  constructor(
    private readonly perSecond: number,
    private readonly bytesPerSecond: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Takes the publish from the client's buckets (going negative) and returns the wait in ms, 0 when under. */
  take(clientId: string, bytes: number): number {
    const now = this.clock()
    let b = this.buckets.get(clientId)
    if (!b) {
      b = { msgs: this.perSecond, bytes: this.bytesPerSecond, at: now }
      this.buckets.set(clientId, b)
    }
    const elapsed = Math.max(0, now - b.at) / 1000
    b.at = now
    // Burst: one second's worth.
    b.msgs = Math.min(this.perSecond, b.msgs + elapsed * this.perSecond) - 1
    b.bytes = Math.min(this.bytesPerSecond, b.bytes + elapsed * this.bytesPerSecond) - bytes
    const waitMsgs = b.msgs < 0 ? (-b.msgs / this.perSecond) * 1000 : 0
    const waitBytes = b.bytes < 0 ? (-b.bytes / this.bytesPerSecond) * 1000 : 0
    return Math.ceil(Math.max(waitMsgs, waitBytes))
  }

  forget(clientId: string): void {
    this.buckets.delete(clientId)
  }
}
