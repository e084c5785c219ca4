// Issue 17: the delivery loop every queued notifier shares (webhook, email, slack, pagerduty, msteams, telegram, ntfy):
// a bounded queue in LevelDB, one send at a time in order, retries with exponential backoff that honour 429 and
// Retry-After, drops counted and logged, every attempt recorded for GET /v1/notifications.
import { z } from 'zod'
import { durationMsOrZero } from '../../../kit/durations.js'
import type { AttemptRecorder, Delivery, Notification, Notifier, NotifierContext, SendResult } from './types.js'

export type { AttemptRecorder, Delivery, SendResult }
import { PersistedQueue } from './persisted-queue.js'

/** The options every queued notifier takes besides its own. */
export const deliveryOptions = {
  /** The receiver's name: routes name it, the queue is kept under it, /v1/receivers/{name}/test sends through it. */
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must match [A-Za-z0-9._-]{1,64}').optional(),
  timeout: durationMsOrZero.default(10_000),
  backoffMin: durationMsOrZero.default(1_000),
  backoffMax: durationMsOrZero.default(300_000),
  maxQueue: z.number().int().positive().default(1000),
  maxAge: durationMsOrZero.default(86_400_000),
}
export interface DeliveryOptions {
  name?: string
  timeout: number
  backoffMin: number
  backoffMax: number
  maxQueue: number
  maxAge: number
}

/**
 * A notifier that accepts anything at once into its durable queue and delivers from there. `Item` is what the queue
 * holds: the Delivery for most kinds, the final body for the webhook (whose queue also carries scheduled reports).
 */
export abstract class QueuedNotifier<Item = Delivery> implements Notifier {
  readonly name: string
  readonly counters = { delivered: 0, failures: 0, dropped: 0 }
  protected readonly queue: PersistedQueue
  private timer?: NodeJS.Timeout
  private running?: Promise<void>
  private stopped = false

  constructor(
    readonly kind: string,
    readonly receiver: string,
    protected readonly delivery: DeliveryOptions,
    protected readonly ctx: NotifierContext & { attempts?: AttemptRecorder },
    queueName = `${kind}.${receiver}`,
  ) {
    this.name = `${kind}:${receiver}`
    this.queue = new PersistedQueue(ctx.db, queueName, delivery.maxQueue)
  }

  /** Sends one queued item. Must send the same bytes for the same item and `key`; never throws. */
  protected abstract deliver(item: Item, key: string): Promise<SendResult>

  /** The alert ids an item carries, for the attempt log. */
  protected alertsOf(item: Item): string[] {
    return (item as Delivery).notification.alerts.map((a) => a.id)
  }

  async start(): Promise<void> {
    // Started again when this hub becomes the cluster's leader again (docs/cluster.md).
    this.stopped = false
    await this.queue.open()
    this.kick(0)
  }

  notify(n: Notification): Promise<void> {
    return this.enqueue({ notification: n })
  }

  async enqueue(d: Delivery): Promise<void> {
    await this.push(this.itemOf(d))
  }

  /** What the queue holds for a delivery: the Delivery itself for most kinds (the webhook makes its body here). */
  protected itemOf(d: Delivery): Item {
    return d as Item
  }

  /**
   * One try at once, outside the durable queue: for a hub condition raised while the queue's own disk is full
   * (hub/alerts/condition-notices.ts). The caller retries and, once the disk has room, queues what did not get through.
   */
  async sendNow(d: Delivery): Promise<SendResult> {
    const item = this.itemOf(d)
    const alerts = this.alertsOf(item)
    const result = await this.deliver(item, `now-${alerts.join(',')}`).catch((err: Error): SendResult => ({ outcome: 'retry', error: err.message }))
    if (result.outcome === 'delivered') this.counters.delivered++
    else if (result.outcome === 'retry') this.counters.failures++
    else this.counters.dropped++
    this.ctx.attempts?.record({ receiver: this.receiver, kind: this.kind, alerts, status: result.outcome === 'retry' ? 'retrying' : result.outcome, attempt: 1, error: result.error })
    return result
  }

  /** Adds an item to the durable queue (oldest dropped and counted past maxQueue) and wakes the delivery loop. */
  protected async push(item: Item): Promise<void> {
    const before = this.queue.dropped
    await this.queue.push(item, this.ctx.clock())
    if (this.queue.dropped > before) {
      this.counters.dropped += this.queue.dropped - before
      this.ctx.log('warning', 'notifier queue full; oldest messages dropped', { notifier: this.name, dropped: this.counters.dropped })
    }
    this.kick(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  get pending(): number {
    return this.queue.size
  }

  private kick(delay: number): void {
    if (this.stopped || this.running) return
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      this.running = this.drain().finally(() => (this.running = undefined))
    }, delay)
    this.timer.unref()
  }

  private async drain(): Promise<void> {
    let retryIn: number | undefined
    while (!this.stopped) {
      const head = await this.queue.head()
      if (!head) break
      const item = head.post.body as Item
      const alerts = this.alertsOf(item)
      const now = this.ctx.clock()
      if (now - head.post.createdAt > this.delivery.maxAge) {
        this.counters.dropped++
        this.ctx.log('warning', 'notification expired undelivered', { notifier: this.name, attempts: head.post.attempts })
        this.ctx.attempts?.record({ receiver: this.receiver, kind: this.kind, alerts, status: 'dropped', attempt: head.post.attempts, error: 'maxAge' })
        await this.queue.remove(head.key)
        continue
      }
      if (head.post.nextAt > now) {
        retryIn = head.post.nextAt - now
        break
      }
      const result = await this.deliver(item, head.key).catch((err: Error): SendResult => ({ outcome: 'retry', error: err.message }))
      const attempt = head.post.attempts + 1
      if (result.outcome === 'retry') {
        this.counters.failures++
        const backoff = this.delivery.backoffMin * 2 ** Math.min(attempt - 1, 30)
        // Retry-After (429, 503) is honoured within backoffMax, counted from the answer (as the webhook notifier).
        const nextAt = this.ctx.clock() + Math.min(this.delivery.backoffMax, Math.max(backoff, result.retryAfterMs ?? 0))
        this.ctx.log('debug', 'notification failed; will retry', { notifier: this.name, error: result.error })
        this.ctx.attempts?.record({ receiver: this.receiver, kind: this.kind, alerts, status: 'retrying', attempt, error: result.error, nextAt })
        await this.queue.update(head.key, { ...head.post, attempts: attempt, nextAt })
        continue
      }
      if (result.outcome === 'delivered') this.counters.delivered++
      else {
        this.counters.dropped++
        this.ctx.log('warning', 'receiver refused a notification; dropped', { notifier: this.name, error: result.error })
      }
      this.ctx.attempts?.record({ receiver: this.receiver, kind: this.kind, alerts, status: result.outcome, attempt, error: result.error })
      await this.queue.remove(head.key)
    }
    this.running = undefined
    if (retryIn !== undefined) this.kick(retryIn)
    else if (this.queue.size > 0 && !this.stopped) this.kick(0)
  }

  /** POSTs JSON; classifies the answer (2xx delivered; network, 5xx, 408, 429 retry; other 4xx refused). */
  protected async postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<SendResult & { json?: any }> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.delivery.timeout || 10_000),
      })
      const text = await res.text()
      let json: any
      try {
        json = text ? JSON.parse(text) : undefined
      } catch {
        json = undefined
      }
      if (res.ok) return { outcome: 'delivered', json }
      // Never the URL or headers in the error: they hold tokens.
      const error = `HTTP ${res.status}`
      if (res.status >= 500 || res.status === 408 || res.status === 429) {
        return { outcome: 'retry', error, retryAfterMs: retryAfterMs(res.headers.get('retry-after'), this.ctx.clock()) }
      }
      return { outcome: 'refused', error, json }
    } catch (err) {
      return { outcome: 'retry', error: (err as Error).name === 'TimeoutError' ? 'timeout' : 'network error' }
    }
  }
}

/** RFC 9110 §10.2.3 Retry-After: delay-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined
  const value = header.trim()
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const at = Date.parse(value)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** A receiver name when none is configured: the kind and a short hash of what identifies the endpoint. */
export function defaultReceiverName(kind: string, identity: string): string {
  let h = 0
  for (const c of identity) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0
  return `${kind}-${h.toString(16).padStart(8, '0')}`
}
