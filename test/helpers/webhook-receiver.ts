import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'

/** One call the receiver saw, answered or failed. */
export interface ReceivedCall {
  at: number
  body: string
  headers: IncomingHttpHeaders
  status: number
}

/**
 * A real local HTTP receiver for webhook posts. It fails its first `failFirst` calls with 503; `failNext` queues
 * further failures with a chosen status and `Retry-After` (as a third-party endpoint under load would answer).
 */
export async function startReceiver(opts: { port?: number; failFirst?: number } = {}) {
  const failures: Array<{ status: number; retryAfter?: string }> = Array.from({ length: opts.failFirst ?? 0 }, () => ({ status: 503 }))
  const accepted: any[] = []
  const log: ReceivedCall[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      const failure = failures.shift()
      log.push({ at: Date.now(), body, headers: req.headers, status: failure?.status ?? 204 })
      if (failure) {
        res.writeHead(failure.status, failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter }).end('not yet')
        return
      }
      accepted.push(JSON.parse(body))
      res.writeHead(204).end()
    })
  })
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    calls: () => log.length,
    /** Every call in order, failed ones included. */
    log,
    /** Bodies answered 2xx, in order. */
    accepted,
    failNext(n: number, status: number, retryAfter?: string) {
      for (let i = 0; i < n; i++) failures.push({ status, retryAfter })
    },
    /** Answers 2xx again from the next call on (the failures queued are dropped). */
    recover() {
      failures.length = 0
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
