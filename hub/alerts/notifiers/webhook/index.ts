import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { NotifierContext, NotifierPlugin } from '../types.js'
import { deliveryOptions, QueuedNotifier, type Delivery, type SendResult } from '../channel.js'
import { alertmanagerPayload } from './alertmanager.js'

export { retryAfterMs } from '../channel.js'

const options = z
  .object({
    kind: z.literal('webhook').optional(),
    url: z.string().url().refine((u) => /^https?:/.test(u), 'must be an http or https URL'),
    ...deliveryOptions,
    headers: z.record(z.string(), z.string()).default({}),
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
 * POSTs `{incident, alerts}` (or Alertmanager's payload) as JSON through the shared durable delivery loop
 * (channel.ts). The queue holds the final body, made once at enqueue, so retries send the same bytes, and
 * scheduled reports (`send`) share the queue and its retries. Without a `name` the receiver is a hash of the URL.
 */
export class WebhookNotifier extends QueuedNotifier<unknown> {
  constructor(
    private readonly opts: WebhookOptions,
    ctx: NotifierContext,
  ) {
    const receiver = opts.name ?? createHash('sha256').update(opts.url).digest('hex').slice(0, 12)
    // The queue keeps its pre-channel name (the receiver alone), so posts queued before an upgrade are delivered.
    super('webhook', receiver, opts, ctx, receiver)
  }

  protected override itemOf(d: Delivery): unknown {
    const n = d.notification
    return this.opts.payload === 'alertmanager' ? alertmanagerPayload(d, this.receiver, this.opts.externalUrl) : { incident: n.incident, alerts: n.alerts, ...(d.test ? { test: true } : {}) }
  }

  /** Queues any JSON body for delivery with the same retries (scheduled reports, docs/reports.md). */
  send(body: unknown): Promise<void> {
    return this.push(body)
  }

  protected override alertsOf(body: unknown): string[] {
    const alerts = (body as { alerts?: Array<{ id?: string; fingerprint?: string }> }).alerts ?? []
    return alerts.map((a) => a.id ?? a.fingerprint ?? '')
  }

  protected deliver(body: unknown): Promise<SendResult> {
    return this.postJson(this.opts.url, body, this.opts.headers)
  }
}
