// Rules, silences and acknowledgements changed through another hub of a cluster (docs/cluster.md, "Caches over a
// shared store"): each hub writes them to the shared store and tells the others over the bus; this takes the store's
// view into the engine's memory. Called on such a notice and periodically (a notice is lost while Redis is away).
import type { AlertEngine } from './engine.js'
import type { StoredRule } from './rule-schema.js'

export interface ConfigSyncHooks {
  /** Resolves (through the engine's commit path) the open alerts of a rule removed or disabled elsewhere. */
  closeAlertsOf(ruleId: string, note: string): Promise<void>
  /**
   * Acknowledgements made on this hub while its engine does not run (a follower), by alert id. The leader may write
   * the alert from its memory, without the ack, before it takes the ack in: while the alert is open, an ack the store
   * lost is written again (and announced again by the caller's `reacked`).
   */
  acksMadeHere: Map<string, { by: string; at: number }>
  reacked(alertId: string): void
}

/** What changed on a hub, for the others (the payload of the bus notice). */
export interface AlertConfigChange {
  kind: 'rule' | 'silence' | 'ack'
  id: string
}

/** Must run inside engine.run(): installs new and changed rules, drops removed ones, and replaces the silences. */
export async function syncFromStore(engine: AlertEngine, hooks: ConfigSyncHooks): Promise<{ rules: number; silences: number; acks: number }> {
  const stored = new Map<string, StoredRule>((await engine.store.loadRules()).map((r) => [r.id, r]))
  let rules = 0
  for (const old of engine.listRules()) {
    if (stored.has(old.id)) continue
    await hooks.closeAlertsOf(old.id, 'rule deleted')
    engine.uninstall(old.id)
    rules++
  }
  for (const rule of stored.values()) {
    const mine = engine.getRule(rule.id)
    if (mine && mine.updatedAt === rule.updatedAt && JSON.stringify(mine) === JSON.stringify(rule)) continue
    if (!rule.enabled && mine?.enabled) await hooks.closeAlertsOf(rule.id, 'rule disabled')
    await engine.install(rule)
    rules++
  }
  const silences = await engine.store.loadSilences()
  const ids = new Set(silences.map((s) => s.id))
  let changedSilences = 0
  for (const id of [...engine.silences.keys()]) if (!ids.has(id) && engine.silences.delete(id)) changedSilences++
  for (const s of silences) {
    const mine = engine.silences.get(s.id)
    if (mine && JSON.stringify(mine) === JSON.stringify(s)) continue
    engine.silences.set(s.id, s)
    changedSilences++
  }
  // Acknowledgements written by another hub: the in-memory alert takes them, and (on the leader) the notifiers hear.
  let acks = 0
  const open = engine.openAlerts()
  if (open.length > 0 || hooks.acksMadeHere.size > 0) {
    const storedOpen = await engine.store.loadOpenAlerts()
    await rewriteLostAcks(engine, hooks, storedOpen)
    const acked = new Map(storedOpen.filter((a) => a.acknowledged).map((a) => [a.id, a.acknowledged!]))
    for (const a of open) {
      const ack = acked.get(a.id)
      if (!ack || a.acknowledged || a.state !== 'firing') continue
      a.acknowledged = ack
      acks++
      if (a.notified && engine.running) await engine.acknowledged(a)
    }
  }
  return { rules, silences: changedSilences, acks }
}

/** The acks this hub made that the store no longer shows on a still-firing alert are written again. */
async function rewriteLostAcks(engine: AlertEngine, hooks: ConfigSyncHooks, storedOpen: Awaited<ReturnType<AlertEngine['store']['loadOpenAlerts']>>): Promise<void> {
  if (hooks.acksMadeHere.size === 0) return
  const byId = new Map(storedOpen.map((a) => [a.id, a]))
  for (const [id, ack] of [...hooks.acksMadeHere]) {
    const stored = byId.get(id)
    if (!stored || stored.state !== 'firing') {
      hooks.acksMadeHere.delete(id) // resolved or gone: nothing left to acknowledge
      continue
    }
    if (stored.acknowledged) continue
    await engine.store.write({ alerts: { put: [{ ...stored, acknowledged: ack }] } })
    hooks.reacked(id)
  }
}
