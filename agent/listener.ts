import { Hono } from 'hono'
import { serve, type ServerType } from '@hono/node-server'
import type { Telemetry } from './telemetry.js'

/** DESIGN §9: the local listener (127.0.0.1:4318 by default); `extraRoutes` mounts the ingest routes. */
export async function startListener(listen: string, telemetry: Telemetry, extraRoutes?: (app: Hono) => void): Promise<ServerType> {
  const [host, port] = [listen.slice(0, listen.lastIndexOf(':')), Number(listen.slice(listen.lastIndexOf(':') + 1))]
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  // Routes first: the inputs they belong to declare their counters in the table the registry then reads.
  extraRoutes?.(app)
  const registry = telemetry.registry()
  app.get('/metrics', async (c) => c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }))
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404))
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(server))
    server.once('error', reject)
  })
}
