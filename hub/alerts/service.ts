import type { AlertEngine } from './engine.js'
import { Step } from './engine.js'
import { parseRule, RuleError, type Rule, type StoredRule } from './rule-schema.js'
import { parseSilence, silenceActive, type Silence } from './silences.js'
import { resolve } from './transitions.js'
import type { AlertRecord, AlertStatus, HistoryEvent } from './types.js'
import { StatusError } from '../errors.js'

/** A refused operation on an alert, rule or silence; the API maps it to its status (DESIGN §7 errors). */
export class AlertOpError extends StatusError {
  constructor(status: 404 | 409, code: string, message: string) {
    super(status, code, message)
  }
}

export interface AlertFilter {
  state?: AlertStatus
  rule?: string
  device?: string
  severity?: string
  from?: number
  to?: number
  limit: number
}

export type AlertView = AlertRecord & { status: AlertStatus }

export function statusOf(a: AlertRecord): AlertStatus {
  if (a.state !== 'firing') return a.state
  if (a.acknowledged) return 'acknowledged'
  return a.silencedBy.length > 0 ? 'silenced' : 'firing'
}

/** The operations behind /v1/rules, /v1/alerts, /v1/silences and /v1/incidents; each runs as one engine step. */
export class AlertService {
  constructor(
    private readonly engine: AlertEngine,
    private readonly clock: () => number,
  ) {}

  openCounts(): { pending: number; firing: number } {
    return this.engine.openCounts()
  }

  listRules(): StoredRule[] {
    return this.engine.listRules()
  }

  getRule(id: string): StoredRule {
    const rule = this.engine.getRule(id)
    if (!rule) throw new AlertOpError(404, 'not_found', `no rule "${id}"`)
    return rule
  }

  /** POST (create: the id must be new) or PUT (replace: the id must exist). */
  putRule(input: unknown, mode: 'create' | 'replace', id?: string): Promise<StoredRule> {
    // A rule read back from the API carries `source` and `updatedAt`; they are the hub's, not the caller's.
    const { source: _s, updatedAt: _u, ...body } = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>
    const rule = parseRule(input && typeof input === 'object' ? (id !== undefined ? { ...body, id } : body) : input)
    return this.engine.run(async () => {
      const existing = this.engine.getRule(rule.id)
      if (mode === 'create' && existing) throw new AlertOpError(409, 'conflict', `rule "${rule.id}" already exists`)
      if (mode === 'replace' && !existing) throw new AlertOpError(404, 'not_found', `no rule "${rule.id}"`)
      if (existing?.source === 'file') throw new AlertOpError(409, 'provisioned', `rule "${rule.id}" comes from the rules file; change it there`)
      return this.save({ ...rule, source: 'api', updatedAt: this.clock() })
    })
  }

  deleteRule(id: string): Promise<void> {
    return this.engine.run(async () => {
      const rule = this.getRule(id)
      if (rule.source === 'file') throw new AlertOpError(409, 'provisioned', `rule "${id}" comes from the rules file; remove it there`)
      await this.remove(id, 'rule deleted')
    })
  }

  /** Rules from the file given by `--rules` replace the previous file's rules (like Prometheus rule files). */
  provision(rules: Rule[]): Promise<void> {
    return this.engine.run(async () => {
      const ids = new Set(rules.map((r) => r.id))
      for (const old of this.listRules()) if (old.source === 'file' && !ids.has(old.id)) await this.remove(old.id, 'removed from the rules file')
      for (const rule of rules) await this.save({ ...rule, source: 'file', updatedAt: this.clock() })
    })
  }

  async listAlerts(filter: AlertFilter): Promise<AlertView[]> {
    const alerts = await this.engine.store.listAlerts((a) => {
      if (filter.state && statusOf(a) !== filter.state) return false
      if (filter.rule && a.rule !== filter.rule) return false
      if (filter.device && a.device !== filter.device) return false
      if (filter.severity && a.severity !== filter.severity) return false
      if (filter.from !== undefined && (a.endsAt ?? Infinity) < filter.from) return false
      if (filter.to !== undefined && a.activeAt > filter.to) return false
      return true
    }, filter.limit)
    return alerts.map((a) => this.view(a))
  }

  async getAlert(id: string): Promise<AlertView & { history: HistoryEvent[] }> {
    const a = await this.lookup(id)
    return { ...this.view(a), history: await this.engine.store.history(id) }
  }

  ack(id: string, by: string): Promise<AlertView> {
    return this.engine.run(async () => {
      const a = await this.openAlert(id)
      if (a.state !== 'firing') throw new AlertOpError(409, 'not_firing', `alert "${id}" is ${a.state}; only a firing alert can be acknowledged`)
      const step = new Step(this.clock())
      a.acknowledged = { by, at: step.now }
      step.changed.add(a)
      step.events.push({ alert: a.id, at: step.now, from: a.state, to: 'acknowledged', by })
      await this.engine.commitStep(step)
      if (a.notified) await this.engine.acknowledged(a)
      return this.view(a)
    })
  }

  resolve(id: string, by: string): Promise<AlertView> {
    return this.engine.run(async () => {
      const a = await this.openAlert(id)
      const step = new Step(this.clock())
      resolve(a, step.now, step.now, step.events, by)
      step.resolved.push(a)
      await this.engine.commitStep(step)
      return this.view(a)
    })
  }

  listSilences(): Array<Silence & { active: boolean }> {
    const now = this.clock()
    return [...this.engine.silences.values()].sort((a, b) => b.createdAt - a.createdAt).map((s) => ({ ...s, active: silenceActive(s, now) }))
  }

  getSilence(id: string): Silence {
    const s = this.engine.silences.get(id)
    if (!s) throw new AlertOpError(404, 'not_found', `no silence "${id}"`)
    return s
  }

  /** Creates (no id) or replaces a silence, then re-runs the notification pass so it applies at once. */
  async putSilence(input: unknown, author: string, id?: string): Promise<Silence> {
    if (id !== undefined) this.getSilence(id)
    const silence = parseSilence(input, author, this.clock(), id)
    await this.engine.run(async () => {
      this.engine.silences.set(silence.id, silence)
      await this.engine.store.write({ silences: { put: [silence] } })
    })
    await this.engine.tick()
    return silence
  }

  async deleteSilence(id: string): Promise<void> {
    this.getSilence(id)
    await this.engine.run(async () => {
      this.engine.silences.delete(id)
      await this.engine.store.write({ silences: { del: [id] } })
    })
    await this.engine.tick()
  }

  listIncidents(filter: { limit: number; state?: 'open' | 'resolved'; rule?: string }) {
    return this.engine.store.listIncidents((i) => (!filter.state || i.state === filter.state) && (!filter.rule || i.rule === filter.rule), filter.limit)
  }

  private async save(rule: StoredRule): Promise<StoredRule> {
    await this.engine.store.write({ rules: { put: [rule] } })
    if (!rule.enabled) await this.closeAlertsOf(rule.id, 'rule disabled')
    await this.engine.install(rule)
    return rule
  }

  private async remove(id: string, note: string): Promise<void> {
    await this.closeAlertsOf(id, note)
    this.engine.uninstall(id)
    await this.engine.store.write({ rules: { del: [id] } })
  }

  /** A rule that goes away resolves its alerts, so retained alert topics are cleared (DESIGN §3). */
  private async closeAlertsOf(ruleId: string, note: string): Promise<void> {
    const step = new Step(this.clock())
    for (const a of this.engine.openAlerts()) {
      if (a.rule !== ruleId) continue
      resolve(a, step.now, step.now, step.events, 'system')
      step.events[step.events.length - 1].note = note
      step.resolved.push(a)
    }
    await this.engine.commitStep(step)
  }

  private async openAlert(id: string): Promise<AlertRecord> {
    const a = await this.lookup(id)
    if (a.state === 'resolved') throw new AlertOpError(409, 'resolved', `alert "${id}" is already resolved`)
    return a
  }

  private async lookup(id: string): Promise<AlertRecord> {
    const open = this.engine.openAlerts().find((x) => x.id === id)
    if (open) return open
    const stored = await this.engine.store.getAlert(id).catch(() => undefined)
    if (!stored) throw new AlertOpError(404, 'not_found', `no alert "${id}"`)
    return stored
  }

  private view(a: AlertRecord): AlertView {
    return { ...a, status: statusOf(a) }
  }
}

export { RuleError }
