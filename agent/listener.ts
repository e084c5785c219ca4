import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net'
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http'
import { listenError } from '../kit/startup-error.js'

export interface LocalListener {
  address(): AddressInfo | string | null
  /** Stops accepting, closes idle keep-alive connections, resolves when every connection has ended. */
  close(): Promise<void>
}

/**
 * DESIGN §9: the local listener (127.0.0.1:4318 by default). The socket is bound at start; Node's HTTP server
 * and the app behind it (Hono, prom-client, the ingest and OTLP routes) are loaded on the first connection, so an
 * agent nobody sends to never loads them (node:http alone is about 1 MiB resident; docs/agent.md, footprint).
 */
export async function startListener(listen: string, loadApp: () => Promise<(req: IncomingMessage, res: ServerResponse) => void>): Promise<LocalListener> {
  const [host, port] = [listen.slice(0, listen.lastIndexOf(':')), Number(listen.slice(listen.lastIndexOf(':') + 1))]
  let app: Promise<(req: IncomingMessage, res: ServerResponse) => void> | undefined
  let http: Promise<HttpServer> | undefined
  let httpServer: HttpServer | undefined
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    app ??= loadApp()
    app.then(
      (handle) => handle(req, res),
      (err: Error) => {
        app = undefined
        res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'internal', message: err.message } }))
      },
    )
  }
  // Connections arrive paused (pauseOnConnect) and are handed to the HTTP server once it is loaded.
  const server = createNetServer({ pauseOnConnect: true }, (socket: Socket) => {
    http ??= import('node:http').then((m) => (httpServer = m.createServer(onRequest)))
    http.then(
      (s) => {
        s.emit('connection', socket)
        socket.resume()
      },
      () => socket.destroy(),
    )
  })
  await new Promise<void>((resolve, reject) => {
    const fail = (err: NodeJS.ErrnoException) => reject(listenError(err, host, port, 'listen'))
    server.once('error', fail)
    server.listen(port, host, () => {
      server.off('error', fail)
      resolve()
    })
  })
  return {
    address: () => server.address(),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        httpServer?.closeIdleConnections()
      }),
  }
}
