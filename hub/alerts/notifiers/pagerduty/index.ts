// Issue 17: PagerDuty Events API v2 (developer.pagerduty.com/docs/events-api-v2/trigger-events): one event per alert,
// `dedup_key` the alert id, `trigger` while firing, `acknowledge` when acked in Outpost, `resolve` when resolved.
import { z } from 'zod'
import { QueuedNotifier, defaultReceiverName, deliveryOptions, type Delivery, type SendResult } from '../channel.js'
import { alertView, messageView, templateOptions } from '../message.js'
import type { AlertMessage } from '../../types.js'
import type { NotifierContext, NotifierPlugin } from '../types.js'

const options = z
  .object({
    kind: z.literal('pagerduty').optional(),
    /** The integration's routing key (32 characters). */
    routingKey: z.string().min(1),
    url: z.string().url().refine((u) => /^https?:/.test(u), 'must be an http or https URL').default('https://events.pagerduty.com/v2/enqueue'),
    /** Outpost severity → PagerDuty severity (critical, error, warning, info). */
    severities: z.record(z.string(), z.enum(['critical', 'error', 'warning', 'info'])).default({}),
    /** Where a responder can open the alert (`{{id}}` is replaced by the alert id). */
    clientUrl: z.string().optional(),
    ...templateOptions({ title: '{{rule}} on {{device}}: {{alert.summary}}', body: '' }),
    ...deliveryOptions,
  })
  .strict()
export type PagerDutyOptions = z.output<typeof options>

export const pagerDutyNotifierPlugin: NotifierPlugin<typeof options> = {
  name: 'pagerduty',
  description: 'PagerDuty Events API v2: trigger, acknowledge and resolve with one dedup_key per alert',
  options,
  create(opts, ctx) {
    return new PagerDutyNotifier(opts, ctx)
  },
}

const DEFAULT_SEVERITY: Record<string, 'critical' | 'error' | 'warning' | 'info'> = { critical: 'critical', high: 'error', medium: 'warning', low: 'info', info: 'info' }

export class PagerDutyNotifier extends QueuedNotifier {
  constructor(
    private readonly opts: PagerDutyOptions,
    ctx: NotifierContext,
  ) {
    super('pagerduty', opts.name ?? defaultReceiverName('pagerduty', opts.routingKey), opts, ctx)
  }

  /** The events of one delivery, in order; a retry sends them all again (PagerDuty deduplicates by dedup_key). */
  events(d: Delivery): unknown[] {
    const view = messageView(d, this.receiver)
    return d.notification.alerts.map((a) => {
      const action = a.state === 'resolved' ? 'resolve' : d.acknowledged ? 'acknowledge' : 'trigger'
      const base = { routing_key: this.opts.routingKey, event_action: action, dedup_key: d.test ? `test-${a.id}` : a.id }
      if (action !== 'trigger') return base
      const alert = alertView(a)
      const summary = this.opts.title.render({ ...view, alert, alerts: [alert] }).slice(0, 1024) || alert.summary
      return {
        ...base,
        payload: {
          summary,
          source: a.device,
          severity: this.opts.severities[a.severity] ?? DEFAULT_SEVERITY[a.severity] ?? 'warning',
          timestamp: alert.startsAt,
          component: a.labels.component ?? a.device,
          group: a.labels.site ?? a.labels.group ?? undefined,
          class: a.rule,
          custom_details: { value: a.value, labels: a.labels, annotations: a.annotations, receiver: this.receiver, incident: d.notification.incident },
        },
        client: 'Outpost',
        ...(this.opts.clientUrl ? { client_url: this.opts.clientUrl.replace('{{id}}', encodeURIComponent(a.id)) } : {}),
      }
    })
  }

  /** Acknowledged in Outpost: PagerDuty's incident is acknowledged too. */
  acknowledge(alert: AlertMessage): Promise<void> {
    return this.enqueue({ notification: { incident: null, alerts: [alert] }, acknowledged: true })
  }

  protected async deliver(d: Delivery): Promise<SendResult> {
    for (const event of this.events(d)) {
      const res = await this.postJson(this.opts.url, event)
      if (res.outcome !== 'delivered') return res
    }
    return { outcome: 'delivered' }
  }
}
