import { describe, expect, it } from 'vitest'
import { emailNotifierPlugin } from '../../../../hub/alerts/notifiers/email/index.js'
import { startSmtpReceiver } from '../../../helpers/smtp-receiver.js'
import { tempDir, waitFor } from '../../../helpers/temp.js'
import { makeCa, makeCert } from '../../../security/test-ca.js'
import { MARK, notifierOn, readMarks } from './channel-harness.js'
import { alertMessage, notifierConformance } from './notifier.case.js'

const mailOptions = (port: number, extra: Record<string, unknown> = {}) => ({
  host: '127.0.0.1',
  port,
  from: 'Outpost <outpost@hub.example>',
  to: ['oncall@example.com'],
  backoffMin: 20,
  ...extra,
})

describe('email notifier', () => {
  describe('conformance', () =>
    notifierConformance(async ({ secret, log }) => {
      const smtp = await startSmtpReceiver({ user: 'outpost', password: secret })
      const n = await notifierOn(emailNotifierPlugin, mailOptions(smtp.port, { user: 'outpost', password: secret, body: MARK }), log)
      return {
        notifier: n.notifier,
        fidelity: 'summary',
        received: () => smtp.mails.flatMap((m) => readMarks(m.text)),
        // HTTP-style faults become SMTP answers: 5xx and 429 → 451 (transient), other 4xx → 550 (permanent).
        faults: {
          failNext: (count, status) => smtp.failNext(count, status >= 500 || status === 429 ? 451 : 550),
          // A mail is the same mail when its Message-ID, subject and text are (MIME boundaries differ per send).
          calls: () => smtp.attempts.map((a) => ({ at: a.at, body: [/Message-ID: (.*)/i.exec(a.raw)?.[1], /Subject: (.*)/i.exec(a.raw)?.[1], a.raw.split(/Content-Type: text\/plain/i)[1]?.split(/--/)[0]].join('\n') })),
          retryAfter: false,
        },
        usesSecret: true,
        async close() {
          await n.close()
          await smtp.close()
        },
      }
    }))

  it('the resolved mail threads under the firing one (In-Reply-To, References), authenticated', async () => {
    const smtp = await startSmtpReceiver({ user: 'outpost', password: 'pw-1' })
    const n = await notifierOn(emailNotifierPlugin, mailOptions(smtp.port, { user: 'outpost', password: 'pw-1' }))
    try {
      await n.notifier.start?.()
      await n.notifier.notify({ incident: 'i-42', alerts: [alertMessage({ id: 'a-mail' })] })
      await n.notifier.notify({ incident: 'i-42', alerts: [alertMessage({ id: 'a-mail', state: 'resolved', value: 0.4, endsAt: 1764600060000 })] })
      await waitFor(() => smtp.mails.length >= 2, 10_000, 'two mails')
      const [firing, resolved] = smtp.mails
      expect(firing.user).toBe('outpost')
      expect(firing.to).toEqual(['oncall@example.com'])
      expect(firing.headers.subject).toMatch(/^\[FIRING\] cpu-hot on dev-1 \(high\)/)
      expect(resolved.headers.subject).toMatch(/^\[RESOLVED\] cpu-hot on dev-1/)
      expect(firing.headers['message-id']).toMatch(/^<[0-9a-f]{24}@hub\.example>$/)
      expect(firing.headers['in-reply-to']).toBeUndefined()
      expect(resolved.headers['in-reply-to']).toBe(firing.headers['message-id'])
      expect(resolved.headers.references).toBe(firing.headers['message-id'])
      expect(resolved.headers['message-id']).not.toBe(firing.headers['message-id'])
      expect(firing.raw).toMatch(/Content-Type: text\/html/i)
      expect(firing.text).toContain('FIRING high cpu-hot on dev-1: CPU hot on dev-1: 0.97')
    } finally {
      await n.close()
      await smtp.close()
    }
  })

  it('a 451 answer is retried and the mail arrives once', async () => {
    const smtp = await startSmtpReceiver()
    const n = await notifierOn(emailNotifierPlugin, mailOptions(smtp.port))
    try {
      await n.notifier.start?.()
      smtp.failNext(1, 451)
      await n.notifier.notify({ incident: null, alerts: [alertMessage({ id: 'a-451' })] })
      await waitFor(() => smtp.mails.length >= 1, 10_000, 'mail after 451')
      await new Promise((r) => setTimeout(r, 300))
      expect(smtp.attempts.map((a) => a.code)).toEqual([451, 250])
      expect(smtp.mails).toHaveLength(1)
      expect(smtp.mails[0].headers['x-outpost-alerts']).toBe('a-451:firing')
      // The retry is the same mail: same Message-ID, so a server that took the first copy can drop the second.
      expect(/Message-ID: (.*)/i.exec(smtp.attempts[0].raw)?.[1]).toBe(smtp.mails[0].headers['message-id'])
    } finally {
      await n.close()
      await smtp.close()
    }
  })

  it('STARTTLS: required and verified against a CA, the mail goes encrypted; an untrusted certificate is never sent to', async () => {
    const dir = await tempDir()
    const ca = makeCa(dir.dir)
    const server = makeCert(dir.dir, ca, 'smtp', 'localhost', true)
    const smtp = await startSmtpReceiver({ tls: server, user: 'outpost', password: 'pw-tls' })
    const trusted = await notifierOn(emailNotifierPlugin, mailOptions(smtp.port, { requireTls: true, ca: ca.cert, user: 'outpost', password: 'pw-tls' }))
    const untrusted = await notifierOn(emailNotifierPlugin, mailOptions(smtp.port, { requireTls: true, user: 'outpost', password: 'pw-tls', name: 'untrusted' }))
    try {
      await trusted.notifier.start?.()
      await untrusted.notifier.start?.()
      await untrusted.notifier.notify({ incident: null, alerts: [alertMessage({ id: 'a-untrusted' })] })
      await trusted.notifier.notify({ incident: null, alerts: [alertMessage({ id: 'a-tls' })] })
      await waitFor(() => smtp.mails.length >= 1, 10_000, 'mail over STARTTLS')
      expect(smtp.mails[0]).toMatchObject({ secure: true, user: 'outpost' })
      await waitFor(() => (untrusted.notifier as unknown as { counters: { failures: number } }).counters.failures >= 1, 10_000, 'untrusted failure')
      expect(smtp.mails.map((m) => m.headers['x-outpost-alerts'])).toEqual(['a-tls:firing'])
    } finally {
      await trusted.close()
      await untrusted.close()
      await smtp.close()
      await dir.cleanup()
    }
  })

  it('a 550 answer is not retried: dropped and counted', async () => {
    const smtp = await startSmtpReceiver()
    const n = await notifierOn(emailNotifierPlugin, mailOptions(smtp.port))
    try {
      await n.notifier.start?.()
      smtp.failNext(1, 550)
      await n.notifier.notify({ incident: null, alerts: [alertMessage({ id: 'a-550' })] })
      await n.notifier.notify({ incident: null, alerts: [alertMessage({ id: 'a-after' })] })
      await waitFor(() => smtp.mails.length >= 1, 10_000, 'next mail')
      expect(smtp.attempts.map((a) => a.code)).toEqual([550, 250])
      expect((n.notifier as unknown as { counters: { dropped: number } }).counters.dropped).toBe(1)
    } finally {
      await n.close()
      await smtp.close()
    }
  })
})
