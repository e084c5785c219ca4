// Loaded on the listener's first request (agent/listener.ts): everything behind the local listener.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Hono } from 'hono'
import { getRequestListener } from '@hono/node-server'
import type { Telemetry } from './telemetry.js'
import { prometheusRegistry } from './telemetry-registry.js'
import { createListenerInputs } from './inputs/registry.js'
import type { BatchBody } from './split-body.js'

/** What the listener needs of the agent (agent.ts; not imported, which would make a cycle). */
export interface ListenerAgent {
  accept(body: BatchBody): Promise<unknown>
  readonly telemetry: Telemetry
}

export function buildListener(agent: ListenerAgent, intervalMs: number, log: (level: string, msg: string, extra?: Record<string, unknown>) => void): (req: IncomingMessage, res: ServerResponse) => void {
  const routeOptions = {
    accept: (body: BatchBody) => agent.accept(body),
    telemetry: agent.telemetry,
    retryAfterSeconds: Math.max(1, Math.ceil(intervalMs / 1000)),
    log,
  }
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  // Routes first: the inputs they belong to declare their counters in the table the registry then reads.
  for (const input of createListenerInputs()) input.mount(app, routeOptions)
  const registry = prometheusRegistry(agent.telemetry)
  app.get('/metrics', async (c) => c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }))
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404))
  return getRequestListener(app.fetch)
}
