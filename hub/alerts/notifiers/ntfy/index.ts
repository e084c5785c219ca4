// Issue 17: ntfy (docs.ntfy.sh/publish/#publish-as-json): a JSON publish to the server's root URL.
import { z } from 'zod'
import { QueuedNotifier, defaultReceiverName, deliveryOptions, type Delivery, type SendResult } from '../channel.js'
import { messageView, templateOptions } from '../message.js'
import type { NotifierContext, NotifierPlugin } from '../types.js'

const options = z
  .object({
    kind: z.literal('ntfy').optional(),
    url: z.string().url().refine((u) => /^https?:/.test(u), 'must be an http or https URL').default('https://ntfy.sh'),
    topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'must match [-_A-Za-z0-9]{1,64}'),
    /** Access token (tk_…) sent as a bearer token. */
    token: z.string().min(1).optional(),
    /** Where a tap on the notification leads. */
    click: z.string().url().optional(),
    ...templateOptions(),
    ...deliveryOptions,
  })
  .strict()
export type NtfyOptions = z.output<typeof options>

export const ntfyNotifierPlugin: NotifierPlugin<typeof options> = {
  name: 'ntfy',
  description: 'ntfy JSON publish to a topic',
  options,
  create(opts, ctx) {
    return new NtfyNotifier(opts, ctx)
  },
}

/** ntfy priorities: 5 max … 1 min. */
const PRIORITY: Record<string, number> = { critical: 5, high: 4, medium: 3, low: 2, info: 1 }

export class NtfyNotifier extends QueuedNotifier {
  constructor(
    private readonly opts: NtfyOptions,
    ctx: NotifierContext,
  ) {
    super('ntfy', opts.name ?? defaultReceiverName('ntfy', opts.topic), opts, ctx)
  }

  message(d: Delivery) {
    const v = messageView(d, this.receiver)
    return {
      topic: this.opts.topic,
      title: this.opts.title.render(v),
      message: this.opts.body.render(v),
      priority: v.status === 'resolved' ? 2 : (PRIORITY[v.severity] ?? 3),
      tags: [v.status === 'firing' ? 'rotating_light' : 'white_check_mark', v.severity],
      ...(this.opts.click ? { click: this.opts.click } : {}),
    }
  }

  protected deliver(d: Delivery): Promise<SendResult> {
    return this.postJson(this.opts.url.replace(/\/$/, ''), this.message(d), this.opts.token ? { authorization: `Bearer ${this.opts.token}` } : {})
  }
}
