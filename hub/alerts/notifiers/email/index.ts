// Issue 17: email over SMTP with nodemailer (TLS or STARTTLS, auth), text and HTML bodies from templates. The mails
// of one thread (route group, incident or alert) reply to the first: In-Reply-To and References (RFC 5322 §3.6.4).
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import nodemailer from 'nodemailer'
import { z } from 'zod'
import { table } from '../../../storage/keyspace.js'
import { checked } from '../../../../kit/options.js'
import { QueuedNotifier, defaultReceiverName, deliveryOptions, type Delivery, type SendResult } from '../channel.js'
import { DEFAULT_BODY, messageView, templateOptions, threadKey } from '../message.js'
import { compileTemplate } from '../template.js'
import type { NotifierContext, NotifierPlugin } from '../types.js'

const DEFAULT_HTML = '<h3>{{STATUS}}: {{rule}}</h3><table>{{#alerts}}<tr><td><b>{{STATE}}</b></td><td>{{severity}}</td><td>{{device}}</td><td>{{summary}}</td><td>{{value}}</td><td>{{startsAt}}</td></tr>{{/alerts}}</table>'

const options = z
  .object({
    kind: z.literal('email').optional(),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    /** Refuse to send unless STARTTLS succeeds. */
    requireTls: z.boolean().default(false),
    /** Check the server's certificate (turn off only for a lab server with a self-signed one). */
    verifyTls: z.boolean().default(true),
    /** PEM file of a CA to trust for the server's certificate, besides the system's. */
    ca: z.string().min(1).optional(),
    user: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    from: z.string().min(3),
    to: z.union([z.string().min(3), z.array(z.string().min(3)).min(1)]),
    ...templateOptions({ body: DEFAULT_BODY }),
    html: checked(z.string().default(DEFAULT_HTML), (s) => compileTemplate(s, '')),
    ...deliveryOptions,
  })
  .strict()
export type EmailOptions = z.output<typeof options>

export const emailNotifierPlugin: NotifierPlugin<typeof options> = {
  name: 'email',
  description: 'SMTP mail (nodemailer), text and HTML, resolved mails threaded under the firing one',
  options,
  create(opts, ctx) {
    return new EmailNotifier(opts, ctx)
  },
}

export class EmailNotifier extends QueuedNotifier {
  private readonly transport
  private readonly threads
  private readonly domain: string

  constructor(
    private readonly opts: EmailOptions,
    ctx: NotifierContext,
  ) {
    super('email', opts.name ?? defaultReceiverName('email', [opts.to].flat().join(',')), opts, ctx)
    this.domain = /@([^>\s]+)/.exec(opts.from)?.[1] ?? 'outpost.local'
    // One pooled connection: mails go one at a time anyway, and a connection per mail costs a TLS/SMTP handshake each.
    this.transport = nodemailer.createTransport({
      pool: true,
      maxConnections: 1,
      host: opts.host,
      port: opts.port,
      secure: opts.secure,
      requireTLS: opts.requireTls,
      auth: opts.user ? { user: opts.user, pass: opts.password } : undefined,
      tls: { rejectUnauthorized: opts.verifyTls, ...(opts.ca ? { ca: readFileSync(opts.ca) } : {}) },
      connectionTimeout: opts.timeout || 10_000,
      greetingTimeout: opts.timeout || 10_000,
      socketTimeout: opts.timeout || 10_000,
      logger: false,
    })
    this.threads = table<'email-threads-*', string>(ctx.db, ['email-threads-*', this.receiver])
  }

  protected async deliver(d: Delivery, key: string): Promise<SendResult> {
    const v = messageView(d, this.receiver)
    const thread = threadKey(d)
    const root = await this.threads.get(thread)
    // Stable per queued message, so a retried mail carries the same Message-ID and a server can drop the copy.
    const messageId = `<${createHash('sha256').update(`${this.receiver}|${thread}|${key}`).digest('hex').slice(0, 24)}@${this.domain}>`
    try {
      await this.transport.sendMail({
        from: this.opts.from,
        to: this.opts.to,
        subject: this.opts.title.render(v),
        text: this.opts.body.render(v),
        html: this.opts.html.render(v, 'html'),
        messageId,
        ...(root ? { inReplyTo: root, references: [root] } : {}),
        headers: { 'X-Outpost-Alerts': d.notification.alerts.map((a) => `${a.id}:${a.state}`).join(' ') },
      })
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode
      // SMTP 4xx is transient (RFC 5321 §4.2.1): retry; 5xx is permanent: drop. No code: connection trouble, retry.
      if (code !== undefined && code >= 500) return { outcome: 'refused', error: `SMTP ${code}` }
      return { outcome: 'retry', error: code !== undefined ? `SMTP ${code}` : `SMTP connection: ${(err as { code?: string }).code ?? 'failed'}` }
    }
    // Sent: a thread write that fails (a full disk) costs the threading of later mails, never a second copy.
    if (!root && !d.test) await this.threads.put(thread, messageId).catch(() => {})
    if (root && v.status === 'resolved') await this.threads.del(thread).catch(() => {})
    return { outcome: 'delivered' }
  }

  override async stop(): Promise<void> {
    await super.stop()
    this.transport.close()
  }
}
