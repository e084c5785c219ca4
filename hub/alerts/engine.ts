import type { Database } from '../storage/db.js'
import type { DecodedBatch } from '../../protocol/batch.js'
import type { DeviceRegistry } from '../devices.js'
import type { MetricStore } from '../metrics/store/types.js'
import { randomBytes } from 'node:crypto'
import { LevelAlertStore } from './store/level-alert-store.js'
import type { AlertStore, AlertWrite, OutboxEntry, SeqRanges } from './store/types.js'
import { addSeq, hasSeq } from './handover.js'
import { dispatch } from './dispatch.js'
import { BatchView, createEvaluator, type EvalContext, type RuleEvaluator } from './rules/registry.js'
import { WindowRegistry } from './rules/shared-windows.js'
import { OpenAlerts } from './open-alerts.js'
import { RuleIndex, type RuleEntry } from './rule-index.js'
import type { Incident } from './incidents.js'
import type { Notification, Notifier } from './notifiers/types.js'
import type { StoredRule } from './rule-schema.js'
import type { SloBurnSource } from './rules/slo_burn/evaluator.js'
import type { Silence } from './silences.js'
import { newAlert, observe, onTimer, fire, type StepResult } from './transitions.js'
import { toMessage, type AlertRecord, type HistoryEvent, type Observation } from './types.js'

export interface AlertEngineOptions {
  db: Database
  /** Where rules, alerts, history and the outbox are kept (default: a LevelAlertStore on `db`). */
  alertStore?: AlertStore
  store: MetricStore
  devices: DeviceRegistry
  notifiers: Notifier[]
  clock: () => number
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
  /** The hub's own metrics (GET /metrics). */
  metrics?: { alertNotifications: { inc(n?: number): void }; alertErrors: { inc(): void }; alertIngestWaits: { inc(): void } }
  /** Anomaly detection: scores a batch's selected series before the rules run (hub/anomaly/service.ts). */
  anomaly?: { score(view: BatchView): Promise<void>; select(sel: { metric: string; device: string; match: Record<string, string> }): () => void }
  /** Beyond this many batches waiting for evaluation, ingest waits for the engine before acking (default 10,000). */
  maxBacklog?: number
  /** Period of the pass for timers, absent, offline, silences and repeats (default 1 s). */
  tickMs?: number
  /** After a start, presence counts only once a device's birth arrives or this passes (default 60 s). */
  startupGraceMs?: number
  /** Firing alerts whose evidence is older than this plus the rule's window are not announced (default 2 min). */
  freshnessMs?: number
  /** Each step's alerts and history events, told when the step is taken (the console's live events). */
  onCommitted?: (alerts: readonly AlertRecord[], events: readonly HistoryEvent[]) => void
  /** SLO burn rates for slo_burn rules. */
  slos?: SloBurnSource
  /** Test-only: called after a state write that has notifications to send, before they are sent (crash injection). */
  afterStateWrite?: () => void
  /** A hub of a cluster: batches come through the hand-over (hub/alerts/handover.ts), which start() drains. */
  handover?: boolean
}

/** One engine step's outcome, committed atomically then announced. */
export class Step {
  readonly changed = new Set<AlertRecord>()
  readonly resolved: AlertRecord[] = []
  readonly dropped: AlertRecord[] = []
  readonly events: HistoryEvent[] = []
  /** A batch of the cluster's hand-over: its inbox key, and the evaluated ranges to write (unless seen before). */
  handover?: { key: string; device: string; ep: string; ranges: SeqRanges; seen: boolean }
  constructor(readonly now: number) {}
}

/**
 * The alert engine (DESIGN §1, §10): evaluates rules as stored batches and presence changes arrive, plus a periodic
 * pass; keeps every state change in LevelDB; hands notifications to the notifiers. All work runs one step at a time.
 */
export class AlertEngine {
  readonly store: AlertStore
  /** `waits`: stored batches whose ack waited for evaluation (back-pressure); no batch is ever skipped. */
  readonly counters = { batches: 0, observations: 0, notifications: 0, errors: 0, waits: 0 }
  private backlog = 0
  private tickQueued = false
  /** Every rule; disabled ones have no evaluator. */
  private readonly rules = new Map<string, RuleEntry>()
  /** The rules each part of a batch concerns, rebuilt when rules change. */
  private index = new RuleIndex([])
  private open = new OpenAlerts()
  private readonly incidents = new Map<string, Incident>()
  readonly silences = new Map<string, Silence>()
  private readonly dirty = new Set<AlertRecord>()
  private chain: Promise<unknown> = Promise.resolve()
  /** State writes of batch steps that notified nothing, held while more batches are queued (see commit). */
  private deferred: AlertWrite[] = []
  private inBatchStep = false
  private timer?: NodeJS.Timeout
  private ctx!: EvalContext
  /** Between start() and standDown(): rules get evaluators only then (a follower's engine keeps rules as data). */
  private live = false
  /** Hand-over: evaluated seq ranges by device \0 epoch (read from the store once), and inbox keys queued here. */
  private readonly evaluated = new Map<string, SeqRanges>()
  private readonly queuedHandover = new Set<string>()

  constructor(private readonly options: AlertEngineOptions) {
    this.store = options.alertStore ?? new LevelAlertStore(options.db)
  }

  /** Loads rules and open alerts from the store and starts the pass; after standDown() it starts over from the store. */
  async start(): Promise<void> {
    const { clock } = this.options
    this.forget()
    this.ctx = {
      devices: this.options.devices,
      store: this.options.store,
      clock,
      startedAt: clock(),
      startupGraceMs: this.options.startupGraceMs ?? 60_000,
      windows: new WindowRegistry(),
      slos: this.options.slos,
      hasOpen: (rule, key) => this.open.ofRule(rule)?.has(key) ?? false,
      calm: (n) => (this.counters.observations += n),
      anomaly: this.options.anomaly,
    }
    this.live = true
    for (const rule of await this.store.loadRules()) await this.install(rule)
    for (const a of await this.store.loadOpenAlerts()) this.open.set(a)
    for (const i of await this.store.loadOpenIncidents()) this.incidents.set(i.rule, i)
    for (const s of await this.store.loadSilences()) this.silences.set(s.id, s)
    const firing = [...this.open.values()].filter((a) => a.state === 'firing' && a.notified).map((a) => toMessage(a, 'firing'))
    for (const n of this.options.notifiers) {
      await n.start?.()
      // Already announced before the restart: restore, never resend (issue 6).
      await n.restore?.(firing)
    }
    // Written with their state but not handed to every notifier before the hub stopped: at least once (issue 11).
    for (const entry of await this.store.loadOutbox()) await this.announce(entry)
    this.startTimer()
    // Batches the cluster stored and no leader evaluated yet (the previous one died, or their notice was lost).
    if (this.options.handover) await this.drainHandover(0)
  }

  private startTimer(): void {
    this.timer = setInterval(() => {
      // One pass queued at a time: a slow pass is not stacked behind itself.
      if (this.tickQueued) return
      this.tickQueued = true
      this.tick()
        .catch(() => {}) // logged and counted by run()
        .finally(() => (this.tickQueued = false))
    }, this.options.tickMs ?? 1000)
    this.timer.unref()
  }

  /** An alert was acknowledged: notifiers that care (PagerDuty, the routing tree's escalation) hear of it. */
  async acknowledged(alert: AlertRecord): Promise<void> {
    const message = toMessage(alert, 'firing')
    for (const n of this.options.notifiers) {
      await n.acknowledge?.(message).catch((err) => this.options.log('error', 'notifier failed', { notifier: n.name, error: String(err) }))
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    await this.run(() => this.flushDirty())
    for (const n of this.options.notifiers) await n.stop?.()
  }

  /**
   * This hub stopped leading the cluster (docs/cluster.md): the pass and the notifiers stop at once, without a last
   * write (a successor owns the state now; a write already under way is refused by the fencing term), and what was
   * held in memory is dropped: start() reloads it from the store.
   */
  async standDown(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.live = false
    for (const n of this.options.notifiers) await n.stop?.()
    await this.idle()
    this.forget()
  }

  /** Whether the engine runs here (started, not stood down): ingest hands it batches only then. */
  get running(): boolean {
    return this.timer !== undefined
  }

  private forget(): void {
    for (const entry of this.rules.values()) entry.evaluator?.dispose?.()
    this.rules.clear()
    this.index = new RuleIndex([])
    this.open = new OpenAlerts()
    this.incidents.clear()
    this.silences.clear()
    this.dirty.clear()
    this.deferred = []
    this.evaluated.clear()
    this.queuedHandover.clear()
  }

  /**
   * Queues for evaluation the hand-over's batches written at least `minAgeMs` ago (younger ones are normally on their
   * way over the bus) that are not queued already. Returns how many it queued.
   */
  async drainHandover(minAgeMs: number): Promise<number> {
    if (!this.running) return 0
    let queued = 0
    const now = Date.now()
    for (const e of await this.store.loadHandover()) {
      if (this.queuedHandover.has(e.key) || now - e.at < minAgeMs || !this.running) continue
      queued++
      void this.onBatch(e.device, e.batch, e.shift, e.key)
    }
    return queued
  }

  /**
   * Ingest hook: a batch was durably stored (not a duplicate). Evaluated in order, off the ingest path. Every batch is
   * evaluated: beyond `maxBacklog` waiting batches this returns a promise of the batch's evaluation, which ingest
   * awaits before acking (back-pressure: the device keeps the batch until then, DESIGN §5). Otherwise undefined.
   */
  onBatch(device: string, batch: DecodedBatch, shift: number, handover?: string): Promise<void> | undefined {
    this.backlog++
    if (handover !== undefined) this.queuedHandover.add(handover)
    const done = this.run(async () => {
      this.backlog--
      const step = new Step(this.options.clock())
      if (handover !== undefined) {
        // Exactly once across leaders: a batch a step already recorded is only taken out of the inbox.
        this.queuedHandover.delete(handover)
        const markKey = `${device}\0${batch.ep}`
        let ranges = this.evaluated.get(markKey)
        if (!ranges) this.evaluated.set(markKey, (ranges = await this.store.loadEvaluated(device, batch.ep)))
        const seen = hasSeq(ranges, batch.seq)
        if (!seen) this.evaluated.set(markKey, (ranges = addSeq(ranges, batch.seq)))
        step.handover = { key: handover, device, ep: batch.ep, ranges, seen }
        if (seen) return this.commit(step, false)
      }
      this.counters.batches++
      const view = new BatchView(device, batch, shift)
      await this.options.anomaly?.score(view)
      for (const list of this.index.forBatch(view)) {
        for (const { rule, evaluator } of list) this.applyAll(rule, evaluator.onBatch!(view), step)
      }
      await this.commit(step, false)
    }, true)
    // A failed step is logged and counted by run(); the batch is stored either way, so the ack may go.
    const settled = done.catch(() => {})
    if (this.backlog <= (this.options.maxBacklog ?? 10_000)) return undefined
    if (this.counters.waits++ % 1000 === 0) this.options.log('warning', 'alert evaluation behind ingest; acks wait for it', { waits: this.counters.waits })
    this.options.metrics?.alertIngestWaits.inc()
    return settled
  }

  /** Presence hook: a birth or will arrived on `…/status`. */
  onStatus(device: string, online: boolean): void {
    this.background(async () => {
      const step = new Step(this.options.clock())
      for (const { rule, evaluator } of this.rules.values()) {
        if (evaluator?.onStatus) this.applyAll(rule, evaluator.onStatus(device, online, step.now), step)
      }
      await this.commit(step, false)
    })
  }

  /** The periodic pass; also awaited by the API after silences change. */
  tick(): Promise<void> {
    return this.run(async () => {
      const step = new Step(this.options.clock())
      for (const { rule, evaluator } of this.rules.values()) {
        if (!evaluator?.onTick) continue
        // Kinds that read the store (slo_burn) answer asynchronously; the rest synchronously, without a microtask.
        const observed = evaluator.onTick(step.now)
        this.applyAll(rule, observed instanceof Promise ? await observed : observed, step)
      }
      for (const a of [...this.open.values()]) {
        const entry = this.rules.get(a.rule)
        if (entry) this.record(a, onTimer(entry.rule, a, step.now, step.events), step)
      }
      await this.commit(step, true)
    })
  }

  /** Resolves when every step queued so far is done. */
  idle(): Promise<void> {
    return this.run(async () => {})
  }

  /** A step nobody awaits (the hooks): its failure is logged and counted by run(), not left unhandled. */
  private background(fn: () => Promise<void>): void {
    this.run(fn).catch(() => {})
  }

  /** Runs `fn` after every step queued before it; errors are logged and counted, never thrown into ingest. */
  run<T>(fn: () => Promise<T>, batchStep = false): Promise<T> {
    const p = this.chain.then(async () => {
      // Only consecutive batch steps share a write; any other step sees the store up to date.
      if (!batchStep) await this.flushDeferred()
      this.inBatchStep = batchStep
      return fn()
    })
    this.chain = p.catch((err) => {
      this.counters.errors++
      this.options.metrics?.alertErrors.inc()
      this.options.log('error', 'alert engine step failed', { error: (err as Error).stack ?? String(err) })
    })
    return p
  }

  // --- used by AlertService (rules, alerts, silences API); each runs inside run() ---

  listRules(): StoredRule[] {
    return [...this.rules.values()].map((e) => e.rule).sort((a, b) => a.id.localeCompare(b.id))
  }

  getRule(id: string): StoredRule | undefined {
    return this.rules.get(id)?.rule
  }

  /** Open alerts by state, for GET /metrics. */
  openCounts(): { pending: number; firing: number } {
    let pending = 0
    for (const a of this.open.values()) if (a.state === 'pending') pending++
    return { pending, firing: this.open.size - pending }
  }

  openAlerts(): AlertRecord[] {
    return [...this.open.values()]
  }

  async install(rule: StoredRule): Promise<void> {
    this.rules.get(rule.id)?.evaluator?.dispose?.()
    if (!rule.enabled || !this.live) {
      this.rules.set(rule.id, { rule })
    } else {
      const evaluator = createEvaluator(rule, this.ctx)
      await evaluator.init?.()
      this.rules.set(rule.id, { rule, evaluator })
    }
    this.index = new RuleIndex(this.rules.values())
  }

  uninstall(id: string): void {
    this.rules.get(id)?.evaluator?.dispose?.()
    this.rules.delete(id)
    this.index = new RuleIndex(this.rules.values())
  }

  /** Applies changes made outside evaluation (ack, manual resolve, rule removal) through the same commit path. */
  async commitStep(step: Step): Promise<void> {
    for (const a of step.resolved) this.open.delete(a)
    await this.commit(step, false)
  }

  private applyAll(rule: StoredRule, observations: Observation[], step: Step): void {
    for (const obs of observations) {
      // The common case, a calm group with no open alert, decided without the transition machinery.
      if (!obs.active && this.open.ofRule(rule.id)?.get(obs.key) === undefined) this.counters.observations++
      else this.apply(rule, obs, step)
    }
  }

  private apply(rule: StoredRule, obs: Observation, step: Step): void {
    this.counters.observations++
    let alert = this.open.get(rule.id, obs.key)
    if (!alert) {
      if (!obs.active) return
      alert = newAlert(rule, obs, step.now)
      this.open.set(alert)
      step.events.push({ alert: alert.id, at: step.now, from: null, to: 'pending', value: obs.value })
      step.changed.add(alert)
      if (obs.ts >= alert.fireAt) fire(alert, alert.fireAt, step.now, step.events)
      return
    }
    const before = snapshot(alert)
    const result = observe(rule, alert, obs, step.now, step.events)
    // Fresher evidence alone (same value and condition) is not worth a write.
    if (result === 'updated' && snapshot(alert) === before) return
    this.record(alert, result, step)
  }

  private record(alert: AlertRecord, result: StepResult, step: Step): void {
    if (result === 'none') return
    if (result === 'updated') {
      this.dirty.add(alert)
      // Fresh evidence for an alert not yet announced (replay caught up by live data): dispatch now.
      if (alert.state === 'firing' && !alert.notified) step.changed.add(alert)
      return
    }
    if (result === 'resolved' || result === 'dropped') {
      this.dirty.delete(alert)
      this.open.delete(alert)
      ;(result === 'resolved' ? step.resolved : step.dropped).push(alert)
      return
    }
    step.changed.add(alert)
  }

  private async commit(step: Step, periodic: boolean): Promise<void> {
    const candidates = periodic ? [...this.open.values(), ...step.resolved] : [...step.changed, ...step.resolved]
    const d = dispatch({
      alerts: candidates,
      rules: (id) => this.rules.get(id)?.rule,
      incidents: this.incidents,
      silences: this.silences.values(),
      now: step.now,
      freshnessMs: this.options.freshnessMs ?? 120_000,
    })
    const put = new Set<AlertRecord>([...step.changed, ...step.resolved, ...d.alerts])
    if (periodic) for (const a of this.dirty) put.add(a)
    const dropped = step.dropped.filter((a) => !put.has(a))
    if (periodic) this.dirty.clear()
    const write: AlertWrite = { alerts: { put: [...put], del: dropped.map((a) => a.id) }, events: [...step.events, ...d.events], incidents: d.incidents }
    const h = step.handover
    if (h) write.handover = { done: [h.key], evaluated: h.seen ? [] : [{ device: h.device, ep: h.ep, ranges: h.ranges }] }
    // Consoles hear of the step now, as the API already shows it; a backfill's deferred write may land later.
    if (write.events!.length > 0) this.options.onCommitted?.(write.alerts!.put!, write.events!)
    // A backfill: while more batches wait and nothing is to be announced, their state writes go as one. A notification
    // always follows the durable write of its state (no resend after a restart, DESIGN §10).
    if (this.inBatchStep && this.backlog > 0 && d.notifications.length === 0) {
      this.deferred.push(write)
      return
    }
    // Each notification goes into the outbox in the state's own write, leaves it once every notifier has it.
    write.outbox = d.notifications.map((n) => {
      const id = `${String(step.now).padStart(15, '0')}-${randomBytes(6).toString('hex')}`
      return { id, notification: { ...n, alerts: n.alerts.map((m) => ({ ...m, notification: id })) } }
    })
    await this.store.write(...this.deferred.splice(0), write)
    if (write.outbox.length > 0) this.options.afterStateWrite?.()
    for (const entry of write.outbox) {
      this.counters.notifications += entry.notification.alerts.length
      this.options.metrics?.alertNotifications.inc(entry.notification.alerts.length)
      await this.announce(entry)
    }
  }

  /**
   * Writes a notification made outside the engine's steps (a hub condition, condition-notices.ts) to the outbox and
   * announces it, to the notifiers named in `only` or to all: at least once from here on, like the engine's own.
   */
  announceDurably(notification: Notification, only?: string[]): Promise<void> {
    return this.run(async () => {
      const now = this.options.clock()
      const entry: OutboxEntry = { id: `${String(now).padStart(15, '0')}-${randomBytes(6).toString('hex')}`, notification, ...(only ? { only } : {}) }
      await this.store.write({ outbox: [entry] })
      await this.announce(entry)
    })
  }

  /** Hands one notification to every notifier (each queues or publishes it), then takes it out of the outbox. */
  private async announce(entry: OutboxEntry): Promise<void> {
    for (const notifier of this.options.notifiers) {
      if (entry.only && !entry.only.includes(notifier.name)) continue
      await notifier.notify(entry.notification).catch((err) => this.options.log('error', 'notifier failed', { notifier: notifier.name, error: String(err) }))
    }
    await this.store.deleteOutbox(entry.id)
  }

  private async flushDirty(): Promise<void> {
    const put = [...this.dirty]
    this.dirty.clear()
    await this.store.write(...this.deferred.splice(0), { alerts: { put } })
  }

  private async flushDeferred(): Promise<void> {
    if (this.deferred.length > 0) await this.store.write(...this.deferred.splice(0))
  }
}

function snapshot(a: AlertRecord): string {
  return `${a.value}|${a.lastActive}|${a.clearingSince}`
}
