/**
 * Connection attempts per client id and per address within a window; over the limit, the key is banned for a
 * while (flapping or credential guessing). Memory is bounded: stale entries are swept as new ones arrive.
 */
export class ConnectGuard {
  private readonly attempts = new Map<string, { count: number; since: number; bannedUntil: number }>()

  constructor(
    private readonly limits: { connectAttemptsPerId: number; connectAttemptsPerAddress: number; connectWindowMs: number; banMs: number },
    private readonly clock: () => number = Date.now,
  ) {}

  /** Counts an attempt; returns the key that is banned ('id' or 'address'), or undefined when allowed. */
  attempt(clientId: string, address: string | undefined): 'id' | 'address' | undefined {
    const now = this.clock()
    if (this.attempts.size > 100_000) this.sweep(now)
    const byId = this.count(`id:${clientId}`, this.limits.connectAttemptsPerId, now)
    const byAddress = address ? this.count(`addr:${address}`, this.limits.connectAttemptsPerAddress, now) : false
    return byId ? 'id' : byAddress ? 'address' : undefined
  }

  private count(key: string, max: number, now: number): boolean {
    let a = this.attempts.get(key)
    if (!a || (now - a.since > this.limits.connectWindowMs && now >= a.bannedUntil)) {
      a = { count: 0, since: now, bannedUntil: 0 }
      this.attempts.set(key, a)
    }
    if (now < a.bannedUntil) return true
    a.count++
    if (a.count > max) {
      a.bannedUntil = now + this.limits.banMs
      return true
    }
    return false
  }

  private sweep(now: number): void {
    for (const [key, a] of this.attempts) if (now - a.since > this.limits.connectWindowMs && now >= a.bannedUntil) this.attempts.delete(key)
  }
}
