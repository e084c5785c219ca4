import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { z } from 'zod'

export interface ServiceCall {
  at: number
  path: string
  body: string
  headers: IncomingHttpHeaders
  status: number
}

/**
 * A local stand-in for a SaaS endpoint (Slack, PagerDuty, Teams, Telegram, ntfy, an Alertmanager receiver): every
 * body is checked against `schema`, the service's documented payload; a body that does not fit is answered 400 and
 * kept in `invalid`, so a test can assert none came. `answer` gives the service's success answer per path.
 */
export async function startServiceReceiver(opts: { schema: z.ZodType; answer?: (path: string, body: any) => { status: number; json?: unknown }; port?: number }) {
  const failures: Array<{ status: number; retryAfter?: string }> = []
  const calls: ServiceCall[] = []
  const accepted: Array<{ path: string; body: any }> = []
  const invalid: Array<{ body: string; issues: string }> = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const failure = failures.shift()
      const path = req.url ?? ''
      const call = { at: Date.now(), path, body, headers: req.headers, status: failure?.status ?? 200 }
      calls.push(call)
      if (failure) {
        res.writeHead(failure.status, failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter }).end('{"ok":false,"error":"later"}')
        return
      }
      let json: unknown
      try {
        json = JSON.parse(body)
      } catch {
        json = undefined
      }
      const checked = opts.schema.safeParse(json)
      if (!checked.success) {
        invalid.push({ body, issues: JSON.stringify(checked.error.issues) })
        call.status = 400
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"ok":false,"error":"invalid_payload"}')
        return
      }
      accepted.push({ path, body: json })
      const answer = opts.answer?.(path, json) ?? { status: 200, json: { ok: true } }
      call.status = answer.status
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json ?? {}))
    })
  })
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    calls,
    accepted,
    invalid,
    failNext(n: number, status: number, retryAfter?: string) {
      for (let i = 0; i < n; i++) failures.push({ status, retryAfter })
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections()
        server.close(() => r())
      }),
  }
}
export type ServiceReceiver = Awaited<ReturnType<typeof startServiceReceiver>>
