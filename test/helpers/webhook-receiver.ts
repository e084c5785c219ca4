import { createServer, type Server } from 'node:http'

/** A real local HTTP receiver for webhook posts; fails its first `failFirst` calls with 503. */
export async function startReceiver(opts: { port?: number; failFirst?: number } = {}) {
  let calls = 0
  const accepted: any[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (d) => (body += d))
    req.on('end', () => {
      calls++
      if (calls <= (opts.failFirst ?? 0)) {
        res.writeHead(503).end('not yet')
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
    calls: () => calls,
    /** Bodies answered 2xx, in order. */
    accepted,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}
