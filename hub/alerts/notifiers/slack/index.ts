// Issue 17: Slack. An incoming webhook gets `{text, blocks}`; with a bot token, `chat.postMessage` opens the thread
// and `chat.update` rewrites the same message on resolve (api.slack.com/methods/chat.postMessage, chat.update).
import { z } from 'zod'
import { table } from '../../../storage/keyspace.js'
import { QueuedNotifier, defaultReceiverName, deliveryOptions, type Delivery, type SendResult } from '../channel.js'
import { messageView, templateOptions, threadKey, type MessageView, type Template } from '../message.js'
import type { NotifierContext, NotifierPlugin } from '../types.js'

const httpUrl = z.string().url().refine((u) => /^https?:/.test(u), 'must be an http or https URL')

const options = z
  .object({
    kind: z.literal('slack').optional(),
    /** Incoming webhook URL (https://hooks.slack.com/services/…). Either this or `token` + `channel`. */
    url: httpUrl.optional(),
    /** Bot token (xoxb-…) for chat.postMessage / chat.update. */
    token: z.string().min(1).optional(),
    channel: z.string().min(1).optional(),
    apiUrl: httpUrl.default('https://slack.com/api'),
    ...templateOptions(),
    ...deliveryOptions,
  })
  .strict()
  .superRefine((o, ctx) => {
    if (!o.url && !o.token) ctx.addIssue({ code: 'custom', path: ['url'], message: 'give url (incoming webhook) or token and channel (bot)' })
    if (o.token && !o.channel) ctx.addIssue({ code: 'custom', path: ['channel'], message: 'required with token' })
  })
export type SlackOptions = z.output<typeof options>

export const slackNotifierPlugin: NotifierPlugin<typeof options> = {
  name: 'slack',
  description: 'Slack incoming webhook with blocks, or bot token chat.postMessage then chat.update on resolve',
  options,
  create(opts, ctx) {
    return new SlackNotifier(opts, ctx)
  },
}

const COLOR: Record<string, string> = { firing: ':red_circle:', resolved: ':large_green_circle:' }

/** Block Kit message: a header, one section per alert (up to Slack's 50 blocks), a context line. */
export function slackMessage(v: MessageView, title: Template, body: Template) {
  const heading = title.render(v).slice(0, 150)
  const text = body.render(v)
  const blocks: unknown[] = [
    { type: 'header', text: { type: 'plain_text', text: heading, emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: `${COLOR[v.status]} ${text}`.slice(0, 3000) } },
    { type: 'context', elements: [{ type: 'mrkdwn', text: `receiver *${v.receiver}* · ${v.count} alert${v.count === 1 ? '' : 's'}${v.incident ? ` · incident ${v.incident}` : ''}` }] },
  ]
  return { text: `${heading}\n${text}`.slice(0, 4000), blocks }
}

export class SlackNotifier extends QueuedNotifier {
  private readonly threads

  constructor(
    private readonly opts: SlackOptions,
    ctx: NotifierContext,
  ) {
    super('slack', opts.name ?? defaultReceiverName('slack', opts.url ?? opts.channel ?? ''), opts, ctx)
    this.threads = table<'slack-threads-*', { channel: string; ts: string }>(ctx.db, ['slack-threads-*', this.receiver])
  }

  protected async deliver(d: Delivery): Promise<SendResult> {
    const message = slackMessage(messageView(d, this.receiver), this.opts.title, this.opts.body)
    if (!this.opts.token) return this.postJson(this.opts.url!, message)
    const auth = { authorization: `Bearer ${this.opts.token}` }
    const key = threadKey(d)
    const thread = await this.threads.get(key)
    const resolved = d.notification.alerts.every((a) => a.state === 'resolved')
    const res = thread
      ? await this.postJson(`${this.opts.apiUrl}/chat.update`, { channel: thread.channel, ts: thread.ts, ...message }, auth)
      : await this.postJson(`${this.opts.apiUrl}/chat.postMessage`, { channel: this.opts.channel, ...message }, auth)
    if (res.outcome !== 'delivered') return res
    // The Web API answers 200 with {ok:false, error} for its own errors; `ratelimited` comes as a 429 above.
    if (!res.json?.ok) return { outcome: 'refused', error: `slack: ${String(res.json?.error ?? 'no ok in answer')}` }
    if (!thread && !resolved && !d.test) await this.threads.put(key, { channel: res.json.channel ?? this.opts.channel, ts: String(res.json.ts) })
    if (thread && resolved) await this.threads.del(key)
    return { outcome: 'delivered' }
  }
}
