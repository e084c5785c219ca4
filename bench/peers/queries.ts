import type { Dataset } from '../dataset.js'
import { datasetDevice } from '../dataset.js'

// The three queries of issue 4 ("Benchmarks"), one definition for every system so they ask the same thing:
// q1 one series over the full range at a 1 min step (avg), q2 one metric averaged per device across every device
// at a 5 min step, q3 the p95 of one series over the full range.

export const QUERY_METRIC = 'system_temperature_celsius'
export const QUERY_DEVICE = datasetDevice(0)
export const QUERY_RUNS = 7

export interface QueryRange {
  /** Inclusive, ms since epoch. */
  from: number
  to: number
}

export const queryRange = (dataset: Dataset): QueryRange => ({ from: dataset.t0, to: dataset.end })

export interface QueryTimings {
  q1: number
  q2: number
  q3: number
}

/** What each answer must look like, so a fast wrong answer cannot pass as a fast one. */
export interface QueryAnswers {
  /** Points in q1's one series. */
  q1Points: number
  /** Series in q2's answer (one per device). */
  q2Series: number
  /** q3's p95. */
  q3Value: number
}

/** Untimed calls before the timed ones, the same for every system (connection opened, caches filled, code compiled). */
const WARMUP_RUNS = Number(process.env.OUTPOST_PEERS_WARMUP ?? 1)

/** Median wall time of `runs` calls after WARMUP_RUNS untimed ones, in ms; `check` sees each answer and throws on a wrong one. */
export async function medianMs<T>(run: () => Promise<T>, check: (answer: T) => void, runs = QUERY_RUNS): Promise<{ ms: number; answer: T }> {
  const times: number[] = []
  let answer: T | undefined
  for (let i = 0; i < WARMUP_RUNS; i++) check((answer = await run()))
  for (let i = 0; i < runs; i++) {
    const started = performance.now()
    answer = await run()
    times.push(performance.now() - started)
    check(answer)
  }
  if (process.env.OUTPOST_PEERS_DEBUG) console.error(times.map((t) => t.toFixed(2)).join(' '))
  times.sort((a, b) => a - b)
  return { ms: times[Math.floor(times.length / 2)], answer: answer as T }
}

export function expectAtLeast(what: string, actual: number, expected: number): void {
  if (!(actual >= expected)) throw new Error(`bench:peers: ${what} is ${actual}, expected at least ${expected}`)
}

/** Exact p95 of one series' samples, interpolated between ranks as Outpost and Prometheus do: the reference for q3. */
export function referenceP95(values: Float64Array): number {
  const sorted = Float64Array.from(values).sort()
  const rank = (sorted.length - 1) * 0.95
  const lo = Math.floor(rank)
  return sorted[lo] + (sorted[Math.min(sorted.length - 1, lo + 1)] - sorted[lo]) * (rank - lo)
}
