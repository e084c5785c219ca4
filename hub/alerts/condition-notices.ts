// Hub conditions through the notifiers (issue 11). `hub:storage_full` describes the disk that the alert outbox and
// every receiver's durable queue are on, so its notification cannot be written when it is raised: it is held in
// memory and sent at once, best-effort, to every notifier (MQTT publishes on the broker; a queued receiver gets one
// direct try, repeated with backoff while the condition holds). Once the store takes writes again, the notifiers
// that did not get it have it written to the durable outbox, and the resolved message follows it there, at least
// once from then on (docs/alerts.md, hub conditions).
import { randomBytes } from 'node:crypto'
import type { Logger } from '../../kit/log.js'
import type { Notification, Notifier, SendResult } from './notifiers/types.js'
import { toMessage, type AlertMessage, type AlertRecord } from './types.js'

export interface ConditionNoticesOptions {
  notifiers: () => Notifier[]
  /** Announces through the durable outbox (AlertEngine.announceDurably); `running`: this hub announces alerts. */
  engine: { readonly running: boolean; announceDurably(n: Notification, only?: string[]): Promise<void> }
  clock: () => number
  log: Logger
  /** First retry of the direct sends while the condition holds; doubled each time up to 60 s (default 2 s). */
  retryMs?: number
}

interface Notice {
  message: AlertMessage
  /** Notifiers (by name) that have the firing message. */
  got: Set<string>
  tries: number
  timer?: NodeJS.Timeout
}

const MAX_RETRY_MS = 60_000

export class ConditionNotices {
  readonly counters = { raised: 0, sentNow: 0, queuedLater: 0 }
  private readonly notices = new Map<string, Notice>()
  private chain: Promise<unknown> = Promise.resolve()

  constructor(private readonly o: ConditionNoticesOptions) {}

  /** The hub's conditions now (hubConditionAlerts): a new one is sent, one gone is resolved. */
  update(firing: AlertRecord[]): Promise<void> {
    return this.serial(async () => {
      const ids = new Set(firing.map((a) => a.id))
      for (const [id, notice] of this.notices) if (!ids.has(id)) await this.resolve(id, notice)
      for (const a of firing) if (!this.notices.has(a.id) && this.o.engine.running) await this.raise(a)
    })
  }

  stop(): void {
    for (const n of this.notices.values()) clearTimeout(n.timer)
    this.notices.clear()
  }

  private async raise(a: AlertRecord): Promise<void> {
    const id = `${String(a.startsAt ?? a.activeAt).padStart(15, '0')}-${randomBytes(6).toString('hex')}`
    const notice: Notice = { message: { ...toMessage(a, 'firing'), notification: id }, got: new Set(), tries: 0 }
    this.notices.set(a.id, notice)
    this.counters.raised++
    this.o.log('warning', 'hub condition: sending without the database', { alert: a.id })
    await this.sendNow(a.id, notice)
  }

  /** One direct try to each notifier that does not have it yet; again later while some miss it. */
  private async sendNow(id: string, notice: Notice): Promise<void> {
    const n: Notification = { incident: null, alerts: [notice.message] }
    for (const notifier of this.o.notifiers()) {
      if (notice.got.has(notifier.name)) continue
      const result: SendResult = notifier.sendNow
        ? await notifier.sendNow({ notification: n }).catch((err): SendResult => ({ outcome: 'retry', error: String(err) }))
        : await notifier.notify(n).then((): SendResult => ({ outcome: 'delivered' }), (err): SendResult => ({ outcome: 'retry', error: String(err) }))
      // Refused: the durable queue would be refused too.
      if (result.outcome !== 'retry') notice.got.add(notifier.name)
      if (result.outcome === 'delivered') this.counters.sentNow++
      else this.o.log('warning', 'hub condition not sent yet', { alert: id, notifier: notifier.name, error: result.error })
    }
    if (this.o.notifiers().every((x) => notice.got.has(x.name)) || this.notices.get(id) !== notice) return
    const delay = Math.min(MAX_RETRY_MS, (this.o.retryMs ?? 2_000) * 2 ** notice.tries++)
    notice.timer = setTimeout(() => void this.serial(() => (this.notices.get(id) === notice ? this.sendNow(id, notice) : Promise.resolve())), delay)
    notice.timer.unref()
  }

  /** The condition is over, so the store takes writes: what missed the firing gets it durably, then all the resolved. */
  private async resolve(id: string, notice: Notice): Promise<void> {
    clearTimeout(notice.timer)
    this.notices.delete(id)
    const missed = this.o.notifiers().map((x) => x.name).filter((name) => !notice.got.has(name))
    try {
      if (missed.length > 0) {
        this.counters.queuedLater += missed.length
        await this.o.engine.announceDurably({ incident: null, alerts: [notice.message] }, missed)
      }
      const resolved: AlertMessage = { ...notice.message, state: 'resolved', endsAt: this.o.clock(), notification: `${String(this.o.clock()).padStart(15, '0')}-${randomBytes(6).toString('hex')}` }
      await this.o.engine.announceDurably({ incident: null, alerts: [resolved] })
    } catch (err) {
      this.o.log('error', 'hub condition notice not written', { alert: id, error: String(err) })
    }
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const p = this.chain.then(task)
    this.chain = p.catch((err) => this.o.log('error', 'hub condition notices failed', { error: String(err) }))
    return p
  }
}
