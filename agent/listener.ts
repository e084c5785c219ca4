import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { listenError } from '../kit/startup-error.js'

/**
 * DESIGN §9: the local listener (127.0.0.1:4318 by default). The socket is bound at start; the app behind it (Hono,
 * prom-client, the ingest and OTLP routes) is built on the first request, so an agent nobody sends to never loads
 * them (docs/agent.md, footprint).
 */
export async function startListener(listen: string, loadApp: () => Promise<(req: IncomingMessage, res: ServerResponse) => void>): Promise<Server> {
  const [host, port] = [listen.slice(0, listen.lastIndexOf(':')), Number(listen.slice(listen.lastIndexOf(':') + 1))]
  let app: Promise<(req: IncomingMessage, res: ServerResponse) => void> | undefined
  const server = createServer((req, res) => {
    app ??= loadApp()
    app.then(
      (handle) => handle(req, res),
      (err: Error) => {
        app = undefined
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'internal', message: err.message } }))
      },
    )
  })
  return new Promise((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => reject(listenError(err, host, port, 'listen'))
    server.once('error', fail)
    server.listen(port, host, () => {
      server.off('error', fail)
      resolve(server)
    })
  })
}
