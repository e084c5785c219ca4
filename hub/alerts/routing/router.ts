// Issue 17: the notifier that stands between the engine and the named receivers when the hub YAML has a `route:`.
// Alerts are grouped per route (group_by), held group_wait, re-sent every group_interval on change and
// repeat_interval while firing, muted by time intervals, dropped while inhibited, escalated until acknowledged.
// Every group and escalation is in LevelDB, so timers survive a restart (docs/notifications.md "Routing").
import type { Database } from '../../storage/db.js'
import { table } from '../../storage/keyspace.js'
import type { Logger } from '../../../kit/log.js'
import type { AlertMessage } from '../types.js'
import type { Delivery } from '../notifiers/channel.js'
import type { Notification, Notifier, SendResult } from '../notifiers/types.js'
import { routingLabels } from './matchers.js'
import { groupOf, inhibited, matchRoutes, type Route, type Routing } from './route-tree.js'
import { inTimeInterval } from './time-intervals.js'

interface GroupState {
  key: string
  route: string
  receiver: string
  groupLabels: Record<string, string>
  alerts: Record<string, AlertMessage>
  /** What the receiver was last told of each alert. */
  sent: Record<string, 'firing' | 'resolved'>
  nextAt: number
  lastSentAt: number | null
}

interface FiringState {
  message: AlertMessage
  labels: Record<string, string>
  acked: boolean
  escalations: Array<{ dueAt: number; receiver: string; sent: boolean }>
}

export interface RouterOptions {
  routing: Routing
  receivers: Map<string, Notifier>
  db: Database
  clock: () => number
  log: Logger
  /** How often due groups and escalations are looked at (default 250 ms). */
  tickMs?: number
}

export class Router implements Notifier {
  readonly name = 'router'
  readonly counters = { sent: 0, muted: 0, inhibited: 0, escalated: 0 }
  private readonly store
  private readonly groups = new Map<string, GroupState>()
  private readonly firing = new Map<string, FiringState>()
  private readonly routes = new Map<string, Route>()
  private chain: Promise<unknown> = Promise.resolve()
  private timer?: NodeJS.Timeout

  constructor(private readonly o: RouterOptions) {
    this.store = table<'routing', any>(o.db, 'routing')
    const index = (r: Route) => {
      this.routes.set(r.path, r)
      r.routes.forEach(index)
    }
    index(o.routing.route)
  }

  async start(): Promise<void> {
    // Started again when this hub becomes the cluster's leader again: the store holds the truth (docs/cluster.md).
    this.groups.clear()
    this.firing.clear()
    for await (const [key, value] of this.store.iterator()) {
      if (key.startsWith('g:')) this.groups.set(value.key, value)
      else if (key.startsWith('a:')) this.firing.set(value.message.id, value)
    }
    for (const r of this.o.receivers.values()) await r.start?.()
    this.timer = setInterval(() => void this.tick().catch((err) => this.o.log('error', 'routing tick failed', { error: String(err) })), this.o.tickMs ?? 250)
    this.timer.unref()
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.chain
    for (const r of this.o.receivers.values()) await r.stop?.()
  }

  /** The engine's restore after a restart: the router's own state is in LevelDB already. */
  async restore(): Promise<void> {}

  notify(n: Notification): Promise<void> {
    return this.serial(async () => {
      const now = this.o.clock()
      const touched = new Set<string>()
      for (const m of n.alerts) {
        const labels = routingLabels(m)
        const routes = matchRoutes(this.o.routing.route, labels)
        if (m.state === 'firing') this.fire(m, labels, routes, now, touched)
        else await this.resolve(m, now, touched)
        for (const route of routes) {
          const g = groupOf(route, labels)
          let group = this.groups.get(g.key)
          if (!group) {
            if (m.state === 'resolved') continue
            group = { key: g.key, route: route.path, receiver: route.receiver, groupLabels: g.labels, alerts: {}, sent: {}, nextAt: now + route.groupWait, lastSentAt: null }
            this.groups.set(g.key, group)
          }
          const isNew = group.alerts[m.id]?.state !== m.state
          group.alerts[m.id] = m
          if (isNew && group.lastSentAt !== null) group.nextAt = Math.min(group.nextAt, Math.max(now, group.lastSentAt + route.groupInterval))
          touched.add(`g:${g.key}`)
        }
      }
      await this.persist(touched)
    })
  }

  /**
   * One try at once to every receiver the routes name for these alerts, without grouping and without writing the
   * router's state (a hub condition while the disk is full: hub/alerts/condition-notices.ts). `retry` if any needs one.
   */
  async sendNow(d: Delivery): Promise<SendResult> {
    const names = new Set<string>()
    for (const m of d.notification.alerts) for (const route of matchRoutes(this.o.routing.route, routingLabels(m))) names.add(route.receiver)
    let out: SendResult = { outcome: 'delivered' }
    for (const name of names) {
      const receiver = this.o.receivers.get(name)
      if (!receiver) continue
      const r: SendResult = receiver.sendNow
        ? await receiver.sendNow({ ...d, receiver: name })
        : await receiver.notify(d.notification).then((): SendResult => ({ outcome: 'delivered' }), (err): SendResult => ({ outcome: 'retry', error: String(err) }))
      if (r.outcome === 'retry') out = r
    }
    return out
  }

  /** Acknowledged in Outpost: escalation stops; receivers that were told of the alert hear of the ack. */
  acknowledge(alert: AlertMessage): Promise<void> {
    return this.serial(async () => {
      const f = this.firing.get(alert.id)
      if (f) {
        f.acked = true
        f.escalations = f.escalations.filter((e) => e.sent)
        await this.persist(new Set([`a:${alert.id}`]))
      }
      const told = new Set([...this.groups.values()].filter((g) => g.sent[alert.id] === 'firing').map((g) => g.receiver))
      for (const e of f?.escalations ?? []) told.add(e.receiver)
      for (const name of told) await this.o.receivers.get(name)?.acknowledge?.(alert)
    })
  }

  /** Sends what is due: group flushes and escalation steps. Called by the timer; tests call it with their clock. */
  tick(): Promise<void> {
    return this.serial(async () => {
      const now = this.o.clock()
      const touched = new Set<string>()
      for (const group of [...this.groups.values()]) {
        if (group.nextAt > now) continue
        await this.flush(group, now)
        touched.add(`g:${group.key}`)
      }
      for (const [id, f] of this.firing) {
        for (const e of f.escalations) {
          if (e.sent || e.dueAt > now || f.acked) continue
          e.sent = true
          this.counters.escalated++
          await this.deliver(e.receiver, { notification: { incident: null, alerts: [f.message] }, receiver: e.receiver, groupKey: `escalation:${id}` })
          touched.add(`a:${id}`)
        }
      }
      if (touched.size > 0) await this.persist(touched)
    })
  }

  /** Groups as they stand (for tests and `outpost config check`). */
  snapshot(): GroupState[] {
    return [...this.groups.values()].map((g) => structuredClone(g))
  }

  private fire(m: AlertMessage, labels: Record<string, string>, routes: Route[], now: number, touched: Set<string>): void {
    const existing = this.firing.get(m.id)
    if (existing) existing.message = m
    else {
      const escalations = routes.flatMap((r) => r.escalate.map((e) => ({ dueAt: now + e.after, receiver: e.receiver, sent: false })))
      this.firing.set(m.id, { message: m, labels, acked: false, escalations })
    }
    touched.add(`a:${m.id}`)
  }

  private async resolve(m: AlertMessage, now: number, touched: Set<string>): Promise<void> {
    const f = this.firing.get(m.id)
    if (!f) return
    this.firing.delete(m.id)
    touched.add(`a:${m.id}`)
    // A receiver the alert was escalated to hears that it resolved.
    for (const e of f.escalations) {
      if (e.sent) await this.deliver(e.receiver, { notification: { incident: null, alerts: [m] }, receiver: e.receiver, groupKey: `escalation:${m.id}` })
    }
    void now
  }

  private async flush(group: GroupState, now: number): Promise<void> {
    const route = this.routes.get(group.route)
    if (!route) {
      this.groups.delete(group.key)
      return
    }
    group.nextAt = now + route.groupInterval
    const muted = inTimeInterval(route.mute, now) || (route.active !== null && !inTimeInterval(route.active, now))
    const firingSources = [...this.firing.values()].map((f) => ({ id: f.message.id, labels: f.labels }))
    const visible = Object.values(group.alerts).filter((a) => {
      if (a.state === 'resolved') return group.sent[a.id] === 'firing'
      const blocked = inhibited(this.o.routing.inhibit, { id: a.id, labels: routingLabels(a) }, firingSources)
      if (blocked) this.counters.inhibited++
      return !blocked
    })
    const changed = visible.some((a) => group.sent[a.id] !== a.state)
    const repeat = group.lastSentAt !== null && now - group.lastSentAt >= route.repeatInterval && visible.some((a) => a.state === 'firing')
    if (visible.length > 0 && (changed || repeat)) {
      if (muted) this.counters.muted++
      else {
        await this.deliver(group.receiver, { notification: { incident: null, alerts: visible }, receiver: group.receiver, groupKey: group.key, groupLabels: group.groupLabels })
        for (const a of visible) group.sent[a.id] = a.state
        group.lastSentAt = now
      }
    }
    for (const a of Object.values(group.alerts)) {
      if (a.state !== 'resolved' || (muted && group.sent[a.id] === 'firing')) continue
      delete group.alerts[a.id]
      delete group.sent[a.id]
    }
    if (Object.keys(group.alerts).length === 0) this.groups.delete(group.key)
  }

  private async deliver(name: string, d: Delivery): Promise<void> {
    const receiver = this.o.receivers.get(name)
    if (!receiver) return
    this.counters.sent++
    try {
      if (receiver.enqueue) await receiver.enqueue(d)
      else await receiver.notify(d.notification)
    } catch (err) {
      this.o.log('error', 'receiver failed', { receiver: name, error: String(err) })
    }
  }

  private async persist(keys: Set<string>): Promise<void> {
    const ops = [...keys].map((k) => {
      const value = k.startsWith('g:') ? this.groups.get(k.slice(2)) : this.firing.get(k.slice(2))
      return value ? { type: 'put' as const, key: k, value } : { type: 'del' as const, key: k }
    })
    if (ops.length > 0) await this.store.batch(ops)
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const result = this.chain.then(task)
    this.chain = result.catch(() => undefined)
    return result
  }
}
