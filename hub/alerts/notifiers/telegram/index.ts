// Issue 17: Telegram Bot API sendMessage (core.telegram.org/bots/api#sendmessage), HTML parse mode.
import { z } from 'zod'
import { QueuedNotifier, defaultReceiverName, deliveryOptions, type Delivery, type SendResult } from '../channel.js'
import { messageView, templateOptions } from '../message.js'
import type { NotifierContext, NotifierPlugin } from '../types.js'

const options = z
  .object({
    kind: z.literal('telegram').optional(),
    /** The bot token from BotFather; it travels in the URL path, so the URL is never logged. */
    token: z.string().min(1),
    /** Chat id (a number, or @channelname). */
    chatId: z.union([z.number().int(), z.string().min(1)]),
    apiUrl: z.string().url().refine((u) => /^https?:/.test(u), 'must be an http or https URL').default('https://api.telegram.org'),
    disableNotification: z.boolean().default(false),
    ...templateOptions(),
    ...deliveryOptions,
  })
  .strict()
export type TelegramOptions = z.output<typeof options>

export const telegramNotifierPlugin: NotifierPlugin<typeof options> = {
  name: 'telegram',
  description: 'Telegram Bot API sendMessage to a chat',
  options,
  create(opts, ctx) {
    return new TelegramNotifier(opts, ctx)
  },
}

export class TelegramNotifier extends QueuedNotifier {
  constructor(
    private readonly opts: TelegramOptions,
    ctx: NotifierContext,
  ) {
    super('telegram', opts.name ?? defaultReceiverName('telegram', String(opts.chatId)), opts, ctx)
  }

  message(d: Delivery) {
    const v = messageView(d, this.receiver)
    // HTML mode: values are escaped by the renderer; the title is bold.
    const text = `<b>${this.opts.title.render(v, 'html')}</b>\n${this.opts.body.render(v, 'html')}`.slice(0, 4096)
    return { chat_id: this.opts.chatId, text, parse_mode: 'HTML', disable_notification: this.opts.disableNotification }
  }

  protected async deliver(d: Delivery): Promise<SendResult> {
    const res = await this.postJson(`${this.opts.apiUrl}/bot${this.opts.token}/sendMessage`, this.message(d))
    if (res.outcome === 'delivered' && res.json?.ok !== true) return { outcome: 'refused', error: 'telegram: answer without ok' }
    // Telegram's 429 carries parameters.retry_after (seconds) in the body as well as the header.
    if (res.outcome === 'retry' && res.retryAfterMs === undefined && typeof res.json?.parameters?.retry_after === 'number') {
      return { ...res, retryAfterMs: res.json.parameters.retry_after * 1000 }
    }
    return res
  }
}
