import { readFileSync } from 'node:fs'
import { SMTPServer } from 'smtp-server'

export interface ReceivedMail {
  at: number
  from: string
  to: string[]
  user?: string
  /** The session ran over TLS (STARTTLS). */
  secure: boolean
  raw: string
  headers: Record<string, string>
  /** The text/plain part, quoted-printable decoded. */
  text: string
}

function parseHeaders(raw: string): Record<string, string> {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ')
  const out: Record<string, string> = {}
  for (const line of head.split(/\r?\n/)) {
    const i = line.indexOf(':')
    if (i > 0) out[line.slice(0, i).toLowerCase()] = decodeWords(line.slice(i + 1).trim())
  }
  return out
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= and =?UTF-8?B?…?=) back to text. */
function decodeWords(value: string): string {
  return value.replace(/\?=\s+=\?/g, '?==?').replace(/=\?UTF-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
    enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
  )
}

function textPart(raw: string): string {
  const m = /Content-Type: text\/plain[^]*?\r?\n\r?\n([^]*?)(?:\r?\n--|$)/i.exec(raw)
  const body = m?.[1] ?? raw.split(/\r?\n\r?\n/).slice(1).join('\n')
  return body.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
}

/**
 * A real SMTP server (smtp-server, from the nodemailer project) on loopback. `failNext` answers the next DATA
 * commands with an SMTP code (451: try again later; 550: refused), as a mail server under load would.
 */
export async function startSmtpReceiver(opts: { user?: string; password?: string; port?: number; tls?: { key: string; cert: string } } = {}) {
  const mails: ReceivedMail[] = []
  const attempts: Array<{ at: number; raw: string; code: number }> = []
  const failures: number[] = []
  const server = new SMTPServer({
    // With a certificate the server offers STARTTLS; without, it speaks plain SMTP only.
    ...(opts.tls ? { key: readFileSync(opts.tls.key), cert: readFileSync(opts.tls.cert) } : { disabledCommands: ['STARTTLS'] }),
    disableReverseLookup: true,
    allowInsecureAuth: true,
    authOptional: !opts.user,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === opts.user && auth.password === opts.password) cb(null, { user: auth.username })
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
    },
    onData(stream, session, cb) {
      let raw = ''
      stream.on('data', (d: Buffer) => (raw += d.toString('utf8')))
      stream.on('end', () => {
        const code = failures.shift()
        attempts.push({ at: Date.now(), raw, code: code ?? 250 })
        if (code) return cb(Object.assign(new Error(code >= 500 ? 'Rejected' : 'Try again later'), { responseCode: code }))
        mails.push({
          at: Date.now(),
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          secure: session.secure,
          raw,
          headers: parseHeaders(raw),
          text: textPart(raw),
        })
        cb()
      })
    },
  })
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', () => r()))
  const port = (server.server.address() as { port: number }).port
  return {
    port,
    mails,
    attempts,
    failNext(n: number, code: number) {
      for (let i = 0; i < n; i++) failures.push(code)
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
