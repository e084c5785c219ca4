import { readFileSync, renameSync, writeFileSync } from 'node:fs'

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
  /** Where the account is kept across restarts (`restore`), and the boot it was taken in. */
  private file: string | undefined
  private bootId: string | undefined

  constructor(
    /** The seq the next batch appended will get. */
    private readonly nextSeq: () => number,
    private readonly wall: () => number = Date.now,
    private readonly log?: (level: string, msg: string, extra?: Record<string, unknown>) => void,
    // The monotonic clock since boot (not since this process started): a restarted agent compares against it.
    private readonly mono: () => number = () => Number(process.hrtime.bigint()) / 1e6,
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
      this.save()
    }
    return wall
  }

  /**
   * Takes up the account a previous run kept in `file` (call once the buffer is open: a step found now belongs to the
   * next seq), and keeps it there from now on. Batches buffered before a restart are then still read on the clock
   * that stamped them, and a step made while the agent was stopped is found, by the wall clock against the monotonic
   * clock since boot. After a reboot that clock started again: the steps known are kept, one made across the reboot
   * cannot be seen (docs/delivery.md, known gaps).
   */
  restore(file: string, bootId = readBootId()): void {
    this.file = file
    this.bootId = bootId
    const saved = readSaved(file)
    if (saved) {
      this.total = saved.total
      this.marks.splice(0, this.marks.length, ...saved.marks.slice(-MAX_MARKS))
      // Same boot: the monotonic clock goes on, so the wall clock's relation to it tells a step made while stopped.
      this.base = saved.bootId !== undefined && saved.bootId === bootId ? saved.base : this.wall() - this.mono() - this.total
    }
    this.check()
    this.save()
  }

  private save(): void {
    if (!this.file) return
    const body = JSON.stringify({ bootId: this.bootId, base: this.base, total: this.total, marks: this.marks })
    try {
      writeFileSync(`${this.file}.tmp`, body)
      renameSync(`${this.file}.tmp`, this.file)
    } catch (err) {
      this.log?.('warning', 'could not keep the clock steps for the next start', { error: (err as Error).message })
    }
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

interface Saved {
  bootId?: string
  base: number
  total: number
  marks: Array<{ fromSeq: number; total: number }>
}

function readSaved(file: string): Saved | undefined {
  try {
    const s = JSON.parse(readFileSync(file, 'utf8')) as Saved
    const finite = (n: unknown) => typeof n === 'number' && Number.isFinite(n)
    if (!finite(s.base) || !finite(s.total) || !Array.isArray(s.marks)) return undefined
    if (!s.marks.every((m) => finite(m?.fromSeq) && finite(m?.total))) return undefined
    return s
  } catch {
    return undefined
  }
}

/** This boot's id (Linux), so a saved account is compared against the monotonic clock only within one boot. */
function readBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}
