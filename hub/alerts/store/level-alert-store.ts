import type { Database } from '../../storage/db.js'
import type { Incident } from '../incidents.js'
import type { StoredRule } from '../rule-schema.js'
import type { Silence } from '../silences.js'
import type { AlertRecord, HistoryEvent } from '../types.js'
import { table } from '../../storage/keyspace.js'
import { decimalKey } from '../../storage/time-keys.js'
import type { AlertStore, AlertWrite, HandoverEntry, OutboxEntry, SeqRanges } from './types.js'
import { decodeStored, encodeStored } from '../../storage/stored-cbor.js'

/**
 * Rules, alerts (states and pending timers), history, silences and incidents in the hub's LevelDB (DESIGN §6), so
 * all of it survives a restart. Each engine step is one atomic batch.
 */
export class LevelAlertStore implements AlertStore {
  private readonly rules
  private readonly alerts
  private readonly events
  private readonly silences
  private readonly incidents
  private readonly outbox
  private readonly inbox
  private readonly evaluated
  private seq = 0

  constructor(private readonly db: Database) {
    this.rules = table<'alert-rules', StoredRule>(db, 'alert-rules')
    this.alerts = table<'alerts', AlertRecord>(db, 'alerts')
    this.events = table<'alert-events', HistoryEvent>(db, 'alert-events')
    this.silences = table<'silences', Silence>(db, 'silences')
    this.incidents = table<'incidents', Incident>(db, 'incidents')
    this.outbox = table<'alert-outbox', OutboxEntry>(db, 'alert-outbox')
    this.inbox = table(db, 'alert-inbox')
    this.evaluated = table<'alert-evaluated', SeqRanges>(db, 'alert-evaluated')
  }

  async putHandover(entry: HandoverEntry): Promise<void> {
    await this.inbox.put(entry.key, encodeStored(entry))
  }

  async loadHandover(): Promise<HandoverEntry[]> {
    return (await this.inbox.values().all()).map((v) => decodeStored<HandoverEntry>(v))
  }

  async loadEvaluated(device: string, ep: string): Promise<SeqRanges> {
    return (await this.evaluated.get(`${device}\0${ep}`)) ?? []
  }

  /** Notifications written with their state but not yet handed to every notifier (a hub killed in between). */
  async loadOutbox(): Promise<OutboxEntry[]> {
    return this.outbox.values().all()
  }

  async deleteOutbox(id: string): Promise<void> {
    await this.outbox.del(id)
  }

  async loadRules(): Promise<StoredRule[]> {
    return this.rules.values().all()
  }

  async loadSilences(): Promise<Silence[]> {
    return this.silences.values().all()
  }

  /** Pending and firing alerts. */
  async loadOpenAlerts(): Promise<AlertRecord[]> {
    const out: AlertRecord[] = []
    for await (const a of this.alerts.values()) if (a.state !== 'resolved') out.push(a)
    return out
  }

  async loadOpenIncidents(): Promise<Incident[]> {
    const out: Incident[] = []
    for await (const i of this.incidents.values()) if (i.state === 'open') out.push(i)
    return out
  }

  getAlert(id: string): Promise<AlertRecord | undefined> {
    return this.alerts.get(id)
  }

  /** Alerts newest first (ids sort by their start time). */
  async listAlerts(filter: (a: AlertRecord) => boolean, limit: number): Promise<AlertRecord[]> {
    const out: AlertRecord[] = []
    for await (const a of this.alerts.values({ reverse: true })) {
      if (!filter(a)) continue
      out.push(a)
      if (out.length >= limit) break
    }
    return out
  }

  async history(alertId: string): Promise<HistoryEvent[]> {
    return this.events.values({ gt: `${alertId}!`, lt: `${alertId}!\uffff` }).all()
  }

  async listIncidents(filter: (i: Incident) => boolean, limit: number): Promise<Incident[]> {
    const out: Incident[] = []
    for await (const i of this.incidents.values({ reverse: true })) {
      if (!filter(i)) continue
      out.push(i)
      if (out.length >= limit) break
    }
    return out
  }

  /** Deletes resolved alerts (with their history) and resolved incidents that ended before `cutoff`. */
  async prune(cutoff: number): Promise<{ alerts: number; incidents: number }> {
    let alerts = 0
    let incidents = 0
    for await (const a of this.alerts.values()) {
      if (a.state !== 'resolved' || (a.endsAt ?? Infinity) >= cutoff) continue
      await this.events.clear({ gt: `${a.id}!`, lt: `${a.id}!\uffff` })
      await this.alerts.del(a.id)
      alerts++
    }
    for await (const i of this.incidents.values()) {
      if (i.state !== 'resolved' || (i.endsAt ?? Infinity) >= cutoff) continue
      await this.incidents.del(i.id)
      incidents++
    }
    return { alerts, incidents }
  }

  /** Erases every alert of `device` with its history, and its alert ids from incidents (purge). */
  async purgeDevice(device: string): Promise<{ alerts: number }> {
    const gone = new Set<string>()
    for await (const a of this.alerts.values()) if (a.device === device) gone.add(a.id)
    for (const id of gone) {
      await this.events.clear({ gt: `${id}!`, lt: `${id}!\uffff` })
      await this.alerts.del(id)
    }
    for await (const i of this.incidents.values()) {
      if (!i.alerts.some((id) => gone.has(id))) continue
      await this.incidents.put(i.id, { ...i, alerts: i.alerts.filter((id) => !gone.has(id)), firing: i.firing.filter((id) => !gone.has(id)) })
    }
    return { alerts: gone.size }
  }

  /** Writes atomically, in order (a later put of a key wins). */
  async write(...writes: AlertWrite[]): Promise<void> {
    let ops: any[] = []
    for (const w of writes) this.opsOf(w, ops)
    if (writes.length > 1) ops = withoutRepeatedPuts(ops)
    if (ops.length > 0) await this.db.batch(ops)
  }

  private opsOf(w: AlertWrite, ops: any[]): void {
    for (const r of w.rules?.put ?? []) ops.push({ type: 'put', sublevel: this.rules, key: r.id, value: r })
    for (const id of w.rules?.del ?? []) ops.push({ type: 'del', sublevel: this.rules, key: id })
    for (const a of w.alerts?.put ?? []) ops.push({ type: 'put', sublevel: this.alerts, key: a.id, value: a })
    for (const id of w.alerts?.del ?? []) ops.push({ type: 'del', sublevel: this.alerts, key: id })
    for (const e of w.events ?? []) {
      const key = `${e.alert}!${decimalKey(e.at, 15)}!${decimalKey(this.seq++, 9)}`
      ops.push({ type: 'put', sublevel: this.events, key, value: e })
    }
    for (const s of w.silences?.put ?? []) ops.push({ type: 'put', sublevel: this.silences, key: s.id, value: s })
    for (const id of w.silences?.del ?? []) ops.push({ type: 'del', sublevel: this.silences, key: id })
    for (const i of w.incidents ?? []) ops.push({ type: 'put', sublevel: this.incidents, key: i.id, value: i })
    for (const e of w.outbox ?? []) ops.push({ type: 'put', sublevel: this.outbox, key: e.id, value: e })
    for (const key of w.handover?.done ?? []) ops.push({ type: 'del', sublevel: this.inbox, key })
    for (const e of w.handover?.evaluated ?? []) ops.push({ type: 'put', sublevel: this.evaluated, key: `${e.device}\0${e.ep}`, value: e.ranges })
  }
}

/**
 * Drops a put of a record that a later op of the same batch puts again as the same object: records are encoded when the
 * batch is written, so both would store the same value (an alert opened then resolved within one backfill write).
 */
function withoutRepeatedPuts(ops: any[]): any[] {
  const later = new Map<unknown, Map<string, unknown>>()
  const keep: boolean[] = new Array(ops.length).fill(true)
  for (let i = ops.length - 1; i >= 0; i--) {
    const op = ops[i]
    let keys = later.get(op.sublevel)
    if (!keys) later.set(op.sublevel, (keys = new Map()))
    if (op.type === 'del') keys.delete(op.key)
    else if (keys.get(op.key) === op.value) keep[i] = false
    else keys.set(op.key, op.value)
  }
  return ops.filter((_, i) => keep[i])
}
