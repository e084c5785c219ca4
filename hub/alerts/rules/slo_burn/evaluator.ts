import type { SloBurnRule } from './schema.js'
import type { Observation } from '../../types.js'
import type { EvalContext, RuleEvaluator, SloBurnSource } from '../types.js'

export type { SloBurnSource } from '../types.js'


/**
 * `slo_burn`: the SRE workbook's multi-window, multi-burn-rate alert. Fires while, for any of its conditions, both the
 * long and the short window burn the error budget at least `burnRate` times faster than the objective allows, and the
 * long window holds at least `minEvents` events; the short window makes it resolve soon after the burning stops.
 * Evaluated on the periodic pass, at most every `evalInterval`.
 */
export function sloBurnEvaluator(rule: SloBurnRule, ctx: EvalContext): RuleEvaluator {
  let nextAt = -Infinity
  const spans = [...new Set(rule.windows.flatMap((w) => [w.long, w.short]))]
  return {
    async onTick(now: number): Promise<Observation[]> {
      if (now < nextAt || !ctx.slos) return []
      nextAt = now + rule.evalInterval
      const rates = await ctx.slos.burnRates(rule.slo, spans, now)
      if (!rates) return []
      let active = false
      let value = 0
      for (const w of rule.windows) {
        const long = rates.get(w.long)
        const short = rates.get(w.short)
        if (!long || !short || long.burnRate === null || short.burnRate === null || long.total < rule.minEvents) continue
        const both = Math.min(long.burnRate, short.burnRate)
        value = Math.max(value, both)
        if (both >= w.burnRate) active = true
      }
      return [{ key: rule.slo, labels: { slo: rule.slo }, value: Math.round(value * 1000) / 1000, active, cleared: !active, ts: now }]
    },
  }
}
