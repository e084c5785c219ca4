import type { OfflineRule } from './schema.js'
import type { Observation } from '../../types.js'
import { deviceMatcher } from '../batch-view.js'
import type { EvalContext, RuleEvaluator } from '../types.js'

/**
 * `offline`: device presence from `…/status` births and wills (DESIGN §3). After a hub restart presence is unknown
 * until a device's birth arrives or the startup grace passes; only then does the periodic pass count it offline.
 */
export function offlineEvaluator(rule: OfflineRule, ctx: EvalContext): RuleEvaluator {
  const onDevice = deviceMatcher(rule.device)
  const heard = new Set<string>()
  const observe = (device: string, online: boolean, ts: number): Observation => ({
    key: device,
    labels: { device },
    value: online ? 'online' : 'offline',
    active: !online,
    cleared: online,
    ts,
  })
  return {
    onStatus(device, online, at) {
      if (!onDevice(device)) return []
      heard.add(device)
      return [observe(device, online, at)]
    },
    onTick(now) {
      const graceOver = now - ctx.startedAt >= ctx.startupGraceMs
      const out: Observation[] = []
      for (const d of ctx.devices.list()) {
        if (!onDevice(d.id) || (!graceOver && !heard.has(d.id))) continue
        out.push(observe(d.id, d.online, now))
      }
      return out
    },
  }
}
