import { createHash } from 'node:crypto'
import { z } from 'zod'
import { durationMsOrZero as durationMs } from '../../../../kit/durations.js'
import type { Notification, Notifier, NotifierContext, NotifierPlugin } from '../types.js'
import type { Delivery } from '../channel.js'
import { alertmanagerPayload } from './alertmanager.js'
import { PersistedQueue } from './queue.js'

const options = z
  .object({
    kind: z.literal('webhook').optional(),
    url: z.string().url().refine((u) => /^https?:/.test(u), 'must be an http or https URL'),
    /** Names the queue in the database; defaults to a hash of the URL. */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
    headers: z.record(z.string(), z.string()).default({}),
    timeout: durationMs.default(10_000),
    backoffMin: durationMs.default(1_000),
    backoffMax: durationMs.default(300_000),
    maxQueue: z.number().int().positive().default(1000),
    /** A post not delivered within this is dropped and counted. */
    maxAge: durationMs.default(86_400_000),
    /** `outpost` posts `{incident, alerts}`; `alertmanager` posts Alertmanager's webhook payload, version 4. */
    payload: z.enum(['outpost', 'alertmanager']).default('outpost'),
    /** The hub's URL as receivers should link to it (Alertmanager's externalURL, generatorURL). */
    externalUrl: z.string().url().default('http://127.0.0.1:8080'),
  })
  .strict()
export type WebhookOptions = z.output<typeof options>

export const webhookNotifierPlugin: NotifierPlugin<typeof options> = {
  name: 'webhook',
  description: 'JSON posts to an HTTP(S) receiver, queued durably and retried with backoff',
  options,
  create(opts, ctx) {
    return new WebhookNotifier(opts, ctx)
  },
}

/**
 * POSTs `{incident, alerts}` as JSON. Every notification goes through a bounded queue in LevelDB first, so a
 * receiver that is down, even through a hub restart, gets it later. Failures (network, 5xx, 408, 429) retry with
 * exponential backoff; other 4xx are dropped and counted. Posts go out in order, one at a time.
 */
export class WebhookNotifier implements Notifier {
  readonly name: string
  readonly counters = { delivered: 0, failures: 0, dropped: 0 }
  private readonly queue: PersistedQueue
  private timer?: NodeJS.Timeout
  private running?: Promise<void>
  private stopped = false

  constructor(
    private readonly opts: WebhookOptions,
    private readonly ctx: NotifierContext,
  ) {
    this.name = `webhook:${opts.name ?? createHash('sha256').update(opts.url).digest('hex').slice(0, 12)}`
    this.queue = new PersistedQueue(ctx.db, this.name.slice('webhook:'.length), opts.maxQueue)
  }

  async start(): Promise<void> {
    await this.queue.open()
    this.kick(0)
  }

  notify(n: Notification): Promise<void> {
    return this.enqueue({ notification: n })
  }

  /** The receiver's name in routes: the configured `name`, else the queue's hash. */
  get receiver(): string {
    return this.name.slice('webhook:'.length)
  }

  /** Queues one post; the body is made here, so retries send the same bytes. */
  async enqueue(d: Delivery): Promise<void> {
    const n = d.notification
    const body = this.opts.payload === 'alertmanager' ? alertmanagerPayload(d, this.receiver, this.opts.externalUrl) : { incident: n.incident, alerts: n.alerts, ...(d.test ? { test: true } : {}) }
    await this.push(body)
  }

  /** Queues any JSON body for delivery with the same retries (scheduled reports, docs/reports.md). */
  send(body: unknown): Promise<void> {
    return this.push(body)
  }

  private async push(body: unknown): Promise<void> {
    const before = this.queue.dropped
    await this.queue.push(body, this.ctx.clock())
    if (this.queue.dropped > before) {
      this.counters.dropped += this.queue.dropped - before
      this.ctx.log('warning', 'webhook queue full; oldest posts dropped', { notifier: this.name, dropped: this.counters.dropped })
    }
    this.kick(0)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.running
  }

  /** Posts still queued (for tests and metrics). */
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
      const now = this.ctx.clock()
      if (now - head.post.createdAt > this.opts.maxAge) {
        this.counters.dropped++
        this.ctx.log('warning', 'webhook post expired undelivered', { notifier: this.name, attempts: head.post.attempts })
        await this.queue.remove(head.key)
        continue
      }
      if (head.post.nextAt > now) {
        retryIn = head.post.nextAt - now
        break
      }
      const { outcome, retryAfterMs } = await this.post(head.post.body)
      this.recordAttempt(head.post, outcome, retryAfterMs)
      if (outcome === 'retry') {
        this.counters.failures++
        const post = { ...head.post, attempts: head.post.attempts + 1 }
        const backoff = this.opts.backoffMin * 2 ** Math.min(post.attempts - 1, 30)
        // A receiver's Retry-After is honoured, within backoffMax (as Alertmanager's notifiers do).
        // Counted from the answer, not from the attempt's start: a slow failure does not eat into the wait.
        post.nextAt = this.ctx.clock() + Math.min(this.opts.backoffMax, Math.max(backoff, retryAfterMs ?? 0))
        await this.queue.update(head.key, post)
        continue
      }
      if (outcome === 'delivered') this.counters.delivered++
      else this.counters.dropped++
      await this.queue.remove(head.key)
    }
    this.running = undefined
    if (retryIn !== undefined) this.kick(retryIn)
    // A post queued while the last head() was being read would otherwise wait for the next notification.
    else if (this.queue.size > 0) this.kick(0)
  }

  private recordAttempt(post: { body: unknown; attempts: number }, outcome: 'delivered' | 'retry' | 'refused', retryAfter?: number): void {
    const body = post.body as { alerts?: Array<{ id?: string; labels?: { alertname?: string }; fingerprint?: string }> }
    const alerts = (body.alerts ?? []).map((a) => a.id ?? a.fingerprint ?? '')
    const status = outcome === 'retry' ? 'retrying' : outcome
    this.ctx.attempts?.record({ receiver: this.receiver, kind: 'webhook', alerts, status, attempt: post.attempts + 1, nextAt: outcome === 'retry' && retryAfter ? this.ctx.clock() + retryAfter : undefined })
  }

  private async post(body: unknown): Promise<{ outcome: 'delivered' | 'retry' | 'refused'; retryAfterMs?: number }> {
    try {
      const res = await fetch(this.opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.opts.headers },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.opts.timeout),
      })
      await res.body?.cancel()
      if (res.ok) return { outcome: 'delivered' }
      if (res.status >= 500 || res.status === 408 || res.status === 429) {
        return { outcome: 'retry', retryAfterMs: retryAfterMs(res.headers.get('retry-after'), this.ctx.clock()) }
      }
      this.ctx.log('warning', 'webhook refused a post; dropped', { notifier: this.name, status: res.status })
      return { outcome: 'refused' }
    } catch (err) {
      this.ctx.log('debug', 'webhook post failed; will retry', { notifier: this.name, error: (err as Error).message })
      return { outcome: 'retry' }
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
