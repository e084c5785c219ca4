// Runs each health check on its own interval and hands the results to the agent. A check never throws into the
// agent: a probe that rejects reports `unknown`, one that outlasts its timeout reports `unhealthy`.
import type { HealthResult } from '../../protocol/batch.js'
import type { Logger } from '../../kit/log.js'
import type { HealthCheck, ProbeOutcome } from './types.js'

export interface HealthSchedulerOptions {
  /** Where results go (the agent's `accept`); a rejection is logged and the result dropped. */
  emit: (results: HealthResult[]) => Promise<unknown>
  clock?: () => number
  log: Logger
}

/** Runs every check once at start, then every `intervalMs` after the previous run ended (runs never overlap). */
export class HealthScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout>()
  private readonly running = new Set<Promise<void>>()
  private stopper = new AbortController()
  private started = false

  constructor(
    private readonly checks: HealthCheck[],
    private readonly options: HealthSchedulerOptions,
  ) {}

  start(): void {
    if (this.started) return
    this.started = true
    this.stopper = new AbortController()
    for (const check of this.checks) this.schedule(check, 0)
  }

  /** Cancels timers, aborts probes in flight and waits for them; results of aborted runs are dropped. */
  async stop(): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const timer of this.timers.values()) clearTimeout(timer)
    this.timers.clear()
    this.stopper.abort()
    await Promise.allSettled([...this.running])
  }

  /** Runs one check now and returns its result (also what each scheduled run emits). Never rejects. */
  async runOnce(check: HealthCheck, stopSignal: AbortSignal = new AbortController().signal): Promise<HealthResult> {
    const clock = this.options.clock ?? Date.now
    const ts = clock()
    const started = performance.now()
    const timeout = AbortSignal.timeout(check.timeoutMs)
    const signal = AbortSignal.any([timeout, stopSignal])
    let outcome: ProbeOutcome
    try {
      outcome = await raceAbort(check.probe.probe(signal), signal)
    } catch (err) {
      outcome = timeout.aborted
        ? { status: 'unhealthy', message: `timed out after ${check.timeoutMs} ms` }
        : { status: 'unknown', message: `check failed: ${err instanceof Error ? err.message : String(err)}` }
    }
    const result: HealthResult = { check: check.name, kind: check.kind, status: outcome.status, ts, latencyMs: Math.round(performance.now() - started) }
    if (outcome.message) result.message = outcome.message.slice(0, 1024)
    return result
  }

  private schedule(check: HealthCheck, delayMs: number): void {
    const timer = setTimeout(() => {
      const run = this.runAndEmit(check).finally(() => {
        this.running.delete(run)
        if (this.started) this.schedule(check, check.intervalMs)
      })
      this.running.add(run)
    }, delayMs)
    this.timers.set(check.name, timer)
  }

  private async runAndEmit(check: HealthCheck): Promise<void> {
    const stopSignal = this.stopper.signal
    const result = await this.runOnce(check, stopSignal)
    if (stopSignal.aborted) return
    try {
      await this.options.emit([result])
    } catch (err) {
      this.options.log('warning', 'health result dropped', { check: check.name, error: err instanceof Error ? err.message : String(err) })
    }
  }
}

/** Settles with `work`, or rejects as soon as `signal` aborts (a probe that ignores its signal cannot hold us). */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
