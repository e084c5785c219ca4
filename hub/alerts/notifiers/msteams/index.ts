// Issue 17: Microsoft Teams through a Workflows webhook ("Post to a channel when a webhook request is received"),
// which takes a message whose attachment is an Adaptive Card (adaptivecards.io, schema 1.4).
import { z } from 'zod'
import { QueuedNotifier, defaultReceiverName, deliveryOptions, type Delivery, type SendResult } from '../channel.js'
import { messageView, templateOptions, type MessageView, type Template } from '../message.js'
import type { NotifierContext, NotifierPlugin } from '../types.js'

const options = z
  .object({
    kind: z.literal('msteams').optional(),
    /** The Workflows webhook URL. */
    url: z.string().url().refine((u) => /^https?:/.test(u), 'must be an http or https URL'),
    ...templateOptions(),
    ...deliveryOptions,
  })
  .strict()
export type TeamsOptions = z.output<typeof options>

export const teamsNotifierPlugin: NotifierPlugin<typeof options> = {
  name: 'msteams',
  description: 'Microsoft Teams Workflows webhook with an Adaptive Card',
  options,
  create(opts, ctx) {
    return new TeamsNotifier(opts, ctx)
  },
}

export function adaptiveCardMessage(v: MessageView, title: Template, body: Template) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: title.render(v), weight: 'Bolder', size: 'Medium', wrap: true, color: v.status === 'firing' ? 'Attention' : 'Good' },
            { type: 'TextBlock', text: body.render(v), wrap: true },
            {
              type: 'FactSet',
              facts: [
                { title: 'Status', value: v.STATUS },
                { title: 'Severity', value: v.severity },
                { title: 'Alerts', value: String(v.count) },
                ...(v.incident ? [{ title: 'Incident', value: v.incident }] : []),
              ],
            },
          ],
        },
      },
    ],
  }
}

export class TeamsNotifier extends QueuedNotifier {
  constructor(
    private readonly opts: TeamsOptions,
    ctx: NotifierContext,
  ) {
    super('msteams', opts.name ?? defaultReceiverName('msteams', opts.url), opts, ctx)
  }

  protected deliver(d: Delivery): Promise<SendResult> {
    return this.postJson(this.opts.url, adaptiveCardMessage(messageView(d, this.receiver), this.opts.title, this.opts.body))
  }
}
