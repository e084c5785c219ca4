import { performance } from 'node:perf_hooks'

/** A change of the wall clock against the monotonic one beyond this is a step (NTP slews both clocks alike). */
const STEP_MS = 2_000
/** Steps remembered with the first seq made after each; older batches take the oldest remembered. */
const MAX_MARKS = 64

/**
 * Steps of the device's wall clock (an NTP correction, a reset RTC, someone's `date -s`), found by watching the wall
 * clock against the monotonic one. Each batch's samples carry the wall clock of when they were made, so the batch's
 * `at` must be read on that same clock for the hub's offset (received − at) to fit its samples: a batch made before a
 * step and sent after it gets `at` = now less the steps since it was made (docs/delivery.md, clock jumps).
 */
export class ClockSteps {
  /** Wall − monotonic at start, plus every step found since. */
  private base: number
  private total = 0
  private readonly marks: Array<{ fromSeq: number; total: number }> = []
  /** Steps found since start. */
  steps = 0

  constructor(
    /** The seq the next batch appended will get. */
    private readonly nextSeq: () => number,
    private readonly wall: () => number = Date.now,
    private readonly log?: (level: string, msg: string, extra?: Record<string, unknown>) => void,
    private readonly mono: () => number = () => performance.now(),
  ) {
    this.base = wall() - mono()
  }

  /** Looks for a step; call before appending a batch, so the batch is counted on the clock it was stamped with. */
  check(): number {
    const wall = this.wall()
    const step = wall - this.mono() - this.base - this.total
    if (Math.abs(step) > STEP_MS) {
      this.total += step
      this.steps++
      this.marks.push({ fromSeq: this.nextSeq(), total: this.total })
      if (this.marks.length > MAX_MARKS) this.marks.shift()
      this.log?.('warning', `wall clock stepped ${step > 0 ? 'forward' : 'back'} by ${Math.round(Math.abs(step) / 1000)} s`, { stepMs: Math.round(step) })
    }
    return wall
  }

  /** Which clock is in force now: pass it to `append` for samples stamped now and appended later. */
  get clock(): number {
    return this.total
  }

  /**
   * Before appending `count` batches whose samples were stamped on clock `stampedOn`: if a step came between the
   * stamping and now (a collection takes a while), they belong to the clock before it.
   */
  append(stampedOn: number, count: number): void {
    this.check()
    const last = this.marks[this.marks.length - 1]
    if (stampedOn !== this.total && last && last.fromSeq === this.nextSeq()) last.fromSeq += count
  }

  /** The wall clock now, on the clock batch `seq` was stamped with: now less the steps made since. */
  atFor(seq: number): number {
    const now = this.check()
    let then = 0
    for (let i = this.marks.length - 1; i >= 0; i--) {
      if (this.marks[i].fromSeq <= seq) {
        then = this.marks[i].total
        break
      }
      if (i === 0 && this.marks.length === MAX_MARKS) then = this.marks[0].total
    }
    return now - (this.total - then)
  }
}
