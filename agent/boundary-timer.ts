/** A timer this far off its boundary means the wall clock stepped (agent/clock-steps.ts), not that it was late. */
const STEPPED_MS = 2_000

/**
 * Fires on every multiple of `stepMs` of the clock (as Telegraf's round_interval) and hands the callback the boundary
 * it aimed at, so timestamps stay regular whatever the timer's jitter. A boundary missed under load is skipped, never
 * fired twice; after the wall clock steps back by more than a step the timer follows the new clock.
 */
export class BoundaryTimer {
  private timer?: NodeJS.Timeout
  private last = -Infinity

  constructor(
    private readonly stepMs: number,
    private readonly fire: (boundary: number) => void,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.stop()
    this.arm()
  }

  stop(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm(): void {
    const now = this.clock()
    const step = this.stepMs
    let next = Math.floor(now / step) * step + step
    // A timer that woke a little before its boundary (timers and the wall clock drift apart) must not fire it again.
    if (next <= this.last && this.last - now < step) next = this.last + step
    this.timer = setTimeout(() => {
      // The wall clock stepped while the timer ran (timers follow the monotonic clock): the boundary aimed at is on
      // the old clock, so the tick takes the boundary of the clock now, the one its batch will be read against.
      const at = this.clock()
      const boundary = Math.abs(at - next) > STEPPED_MS ? Math.floor(at / step) * step : next
      this.last = boundary
      this.fire(boundary)
      if (this.timer) this.arm()
    }, next - now)
  }
}
