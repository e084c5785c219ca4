// The documented request bodies of each service, as zod schemas: a local receiver refuses anything else.
import { z } from 'zod'

const text = z.object({ type: z.enum(['plain_text', 'mrkdwn']), text: z.string().min(1).max(3000), emoji: z.boolean().optional() }).strict()

/** api.slack.com/reference/block-kit/blocks: header (plain_text ≤150), section, context; ≤50 blocks. */
const slackBlock = z.discriminatedUnion('type', [
  z.object({ type: z.literal('header'), text: text.extend({ type: z.literal('plain_text'), text: z.string().min(1).max(150) }) }).strict(),
  z.object({ type: z.literal('section'), text }).strict(),
  z.object({ type: z.literal('context'), elements: z.array(text).min(1).max(10) }).strict(),
])
/** Incoming webhook body (api.slack.com/messaging/webhooks). */
export const slackWebhook = z.object({ text: z.string().min(1).max(40_000), blocks: z.array(slackBlock).max(50) }).strict()
/** chat.postMessage / chat.update (api.slack.com/methods/chat.postMessage). */
export const slackPostMessage = slackWebhook.extend({ channel: z.string().min(1) }).strict()
export const slackUpdate = slackPostMessage.extend({ ts: z.string().regex(/^\d+\.\d+$/) }).strict()

/** PagerDuty Events API v2 (developer.pagerduty.com/docs/events-api-v2/trigger-events, acknowledge, resolve). */
export const pagerDutyEvent = z.union([
  z
    .object({
      routing_key: z.string().min(1),
      event_action: z.literal('trigger'),
      dedup_key: z.string().min(1).max(255),
      payload: z
        .object({
          summary: z.string().min(1).max(1024),
          source: z.string().min(1),
          severity: z.enum(['critical', 'error', 'warning', 'info']),
          timestamp: z.iso.datetime().optional(),
          component: z.string().optional(),
          group: z.string().optional(),
          class: z.string().optional(),
          custom_details: z.record(z.string(), z.unknown()).optional(),
        })
        .strict(),
      client: z.string().optional(),
      client_url: z.string().url().optional(),
    })
    .strict(),
  z.object({ routing_key: z.string().min(1), event_action: z.enum(['acknowledge', 'resolve']), dedup_key: z.string().min(1).max(255) }).strict(),
])

/** Teams Workflows webhook: a message with an Adaptive Card attachment (adaptivecards.io schema 1.x). */
const cardElement = z.discriminatedUnion('type', [
  z.object({ type: z.literal('TextBlock'), text: z.string(), weight: z.string().optional(), size: z.string().optional(), wrap: z.boolean().optional(), color: z.string().optional() }).strict(),
  z.object({ type: z.literal('FactSet'), facts: z.array(z.object({ title: z.string(), value: z.string() }).strict()) }).strict(),
])
export const teamsMessage = z
  .object({
    type: z.literal('message'),
    attachments: z
      .array(
        z
          .object({
            contentType: z.literal('application/vnd.microsoft.card.adaptive'),
            contentUrl: z.null().optional(),
            content: z.object({ $schema: z.string().url(), type: z.literal('AdaptiveCard'), version: z.string().regex(/^1\.\d$/), body: z.array(cardElement).min(1) }).strict(),
          })
          .strict(),
      )
      .length(1),
  })
  .strict()

/** Telegram sendMessage (core.telegram.org/bots/api#sendmessage). */
export const telegramSendMessage = z
  .object({
    chat_id: z.union([z.number().int(), z.string().min(1)]),
    text: z.string().min(1).max(4096),
    parse_mode: z.enum(['HTML', 'MarkdownV2', 'Markdown']).optional(),
    disable_notification: z.boolean().optional(),
  })
  .strict()

/** ntfy publish as JSON (docs.ntfy.sh/publish/#publish-as-json). */
export const ntfyPublish = z
  .object({
    topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/),
    message: z.string().optional(),
    title: z.string().optional(),
    tags: z.array(z.string()).optional(),
    priority: z.number().int().min(1).max(5).optional(),
    click: z.string().url().optional(),
  })
  .strict()

/** Alertmanager webhook_config payload, version 4 (prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
const isoTime = z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
export const alertmanagerWebhook = z
  .object({
    version: z.literal('4'),
    groupKey: z.string().min(1),
    truncatedAlerts: z.number().int().min(0),
    status: z.enum(['firing', 'resolved']),
    receiver: z.string().min(1),
    groupLabels: z.record(z.string(), z.string()),
    commonLabels: z.record(z.string(), z.string()),
    commonAnnotations: z.record(z.string(), z.string()),
    externalURL: z.string().url(),
    alerts: z
      .array(
        z
          .object({
            status: z.enum(['firing', 'resolved']),
            labels: z.record(z.string(), z.string()).refine((l) => typeof l.alertname === 'string', 'alertname label'),
            annotations: z.record(z.string(), z.string()),
            startsAt: isoTime,
            endsAt: isoTime,
            generatorURL: z.string().url(),
            fingerprint: z.string().min(1),
          })
          .strict(),
      )
      .min(1),
  })
  .strict()
