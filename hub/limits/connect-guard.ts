/** A refusal by the guard: which key is banned, until when (ms since the epoch), and whether this attempt began it. */
export interface Ban {
  key: 'id' | 'address'
  until: number
  fresh: boolean
}

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

  /** Counts an attempt; returns the ban that refuses it, or undefined when allowed. */
  attempt(clientId: string, address: string | undefined): Ban | undefined {
    const now = this.clock()
    if (this.attempts.size > 100_000) this.sweep(now)
    const byId = this.count(`id:${clientId}`, this.limits.connectAttemptsPerId, now)
    // A banned id's retries do not count against its address: one flapping device must not ban its whole NAT.
    if (byId) return { key: 'id', ...byId }
    const byAddress = address ? this.count(`addr:${address}`, this.limits.connectAttemptsPerAddress, now) : undefined
    return byAddress ? { key: 'address', ...byAddress } : undefined
  }

  /** Takes one attempt back from an address's count: a device proved its credentials (mqtt-access.ts). */
  admitted(address: string | undefined): void {
    const a = address === undefined ? undefined : this.attempts.get(`addr:${address}`)
    if (a && a.count > 0 && this.clock() >= a.bannedUntil) a.count--
  }

  private count(key: string, max: number, now: number): { until: number; fresh: boolean } | undefined {
    let a = this.attempts.get(key)
    if (!a || (now - a.since > this.limits.connectWindowMs && now >= a.bannedUntil)) {
      a = { count: 0, since: now, bannedUntil: 0 }
      this.attempts.set(key, a)
    }
    // Attempts during a ban are refused without counting: they neither extend the ban nor start the next one.
    if (now < a.bannedUntil) return { until: a.bannedUntil, fresh: false }
    a.count++
    if (a.count > max) {
      a.bannedUntil = now + this.limits.banMs
      // The next window starts when the ban ends, so a client that waited it out is not banned again at once.
      a.since = a.bannedUntil
      a.count = 0
      return { until: a.bannedUntil, fresh: true }
    }
    return undefined
  }

  private sweep(now: number): void {
    for (const [key, a] of this.attempts) if (now - a.since > this.limits.connectWindowMs && now >= a.bannedUntil) this.attempts.delete(key)
  }
}
