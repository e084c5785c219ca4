import { countEvents, type IndicatorDeps } from './indicators.js'
import type { Slo } from './schema.js'

/** The burn-rate windows served with every SLO (docs/slo.md). */
export const BURN_WINDOWS = { '5m': 300_000, '30m': 1_800_000, '1h': 3_600_000, '6h': 21_600_000, '3d': 259_200_000 } as const

export interface SloStatus {
  window: { from: number; to: number }
  good: number
  total: number
  /** good / total over the window; null without events. */
  sli: number | null
  objective: number
  /** Share of the window's error budget (bad events the objective allows for the events seen) still unspent; below 0 when overspent. */
  errorBudgetRemaining: number | null
  /** Error rate over each window ÷ the error rate the objective allows (1 spends the budget exactly over the SLO window). */
  burnRates: Record<keyof typeof BURN_WINDOWS, number | null>
  /** sli ≥ objective. */
  met: boolean | null
}

/** The SLO's window ending at `now`: rolling, or the calendar day, week (from Monday) or month so far, UTC. */
export function windowRange(slo: Slo, now: number): { from: number; to: number } {
  if ('rolling' in slo.window) return { from: now - slo.window.rolling, to: now }
  const d = new Date(now)
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate())
  if (slo.window.calendar === 'day') return { from: day, to: now }
  if (slo.window.calendar === 'week') return { from: day - ((d.getUTCDay() + 6) % 7) * 86_400_000, to: now }
  return { from: Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1), to: now }
}

export function burnRate(good: number, total: number, objective: number): number | null {
  if (total <= 0) return null
  return (total - good) / total / (1 - objective)
}

/** SLI, budget and burn rates of `slo` at `now`, or over an explicit range (reports). */
export async function sloStatus(slo: Slo, deps: IndicatorDeps, now: number, range = windowRange(slo, now)): Promise<SloStatus> {
  const { good, total } = await countEvents(slo.indicator, deps, range.from, range.to)
  const burnRates = {} as SloStatus['burnRates']
  for (const [name, ms] of Object.entries(BURN_WINDOWS)) {
    const c = await countEvents(slo.indicator, deps, now - ms, now)
    burnRates[name as keyof typeof BURN_WINDOWS] = burnRate(c.good, c.total, slo.objective)
  }
  const sli = total > 0 ? good / total : null
  const rate = burnRate(good, total, slo.objective)
  return {
    window: range,
    good,
    total,
    sli,
    objective: slo.objective,
    errorBudgetRemaining: rate === null ? null : 1 - rate,
    burnRates,
    met: sli === null ? null : sli >= slo.objective,
  }
}
