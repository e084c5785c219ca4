import { performance } from 'node:perf_hooks'

/** Bytes-per-second budget for the backlog lane (`uplink.maxBytesPerSecond`); 0 means no cap. */
export class TokenBucket {
  private tokens: number
  private last: number

  constructor(
    private ratePerSecond: number,
    // Monotonic: a wall clock stepped back would otherwise empty the bucket for as long as the step.
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.tokens = ratePerSecond
    this.last = clock()
  }

  /** A new rate from a remote configuration; the budget restarts full. */
  setRate(ratePerSecond: number): void {
    this.refill()
    this.ratePerSecond = ratePerSecond
    this.tokens = ratePerSecond
  }

  /** Takes `bytes` if the bucket is not empty (one oversized batch may overdraw it); else false. */
  tryTake(bytes: number): boolean {
    if (this.ratePerSecond <= 0) return true
    this.refill()
    if (this.tokens <= 0) return false
    this.tokens -= bytes
    return true
  }

  /** Milliseconds until the bucket is positive again. */
  waitMs(): number {
    if (this.ratePerSecond <= 0) return 0
    this.refill()
    return this.tokens > 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSecond) * 1000) + 1
  }

  private refill(): void {
    const now = this.clock()
    this.tokens = Math.min(this.ratePerSecond, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond)
    this.last = now
  }
}
