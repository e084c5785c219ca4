/** Admission pacing (docs/security.md, "Reconnect storms"): how fast new MQTT sessions are let in. */
export interface AdmissionLimits {
  /** Connections admitted per second (burst: a tenth of a second's worth); the rest wait for their CONNACK. */
  admissionPerSecond: number
  /** Connections waiting at most; one more is refused with CONNACK 3, "server unavailable". */
  admissionQueue: number
}

interface Waiting {
  gone: () => boolean
  admit: () => void
}

/**
 * A bounded FIFO in front of authentication. A reconnect storm (every device of a fleet at once after a hub
 * restart) is paced instead of refused: each connection waits here for its turn, so its CONNACK comes late (the
 * back-pressure MQTT has) and the hub keeps acking the sessions already in. A connection that went away while
 * waiting is skipped without costing a turn.
 */
export class AdmissionQueue {
  private readonly queue: Waiting[] = []
  private head = 0
  private tokens: number
  private last: number
  private timer?: NodeJS.Timeout
  /** Connections that had to wait, and the longest wait, ms (the hub's /metrics). */
  waited = 0
  maxWaitMs = 0

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.tokens = this.burst
    this.last = this.clock()
  }

  private get burst(): number {
    return Math.max(1, this.limits.admissionPerSecond / 10)
  }

  get waiting(): number {
    return this.queue.length - this.head
  }

  /** Runs `admit` now or in its turn; false when the queue is full (the caller refuses the connection). */
  enter(gone: () => boolean, admit: () => void): boolean {
    this.refill()
    if (this.waiting === 0 && this.tokens >= 1) {
      this.tokens--
      admit()
      return true
    }
    if (this.waiting >= this.limits.admissionQueue) return false
    const since = this.clock()
    this.waited++
    this.queue.push({
      gone,
      admit: () => {
        this.maxWaitMs = Math.max(this.maxWaitMs, this.clock() - since)
        admit()
      },
    })
    this.schedule()
    return true
  }

  close(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private refill(): void {
    const now = this.clock()
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.limits.admissionPerSecond) / 1000)
    this.last = now
  }

  private schedule(): void {
    if (this.timer || this.waiting === 0) return
    const wait = Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.limits.admissionPerSecond))
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.drain()
    }, wait)
  }

  private drain(): void {
    this.refill()
    while (this.waiting > 0) {
      const next = this.queue[this.head]
      if (next.gone()) {
        this.head++
        continue
      }
      if (this.tokens < 1) break
      this.tokens--
      this.head++
      next.admit()
    }
    // Compact the array now and then instead of shifting on every admission.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head)
      this.head = 0
    }
    this.schedule()
  }
}
