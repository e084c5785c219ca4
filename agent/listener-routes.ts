// Loaded on the listener's first request (agent/listener.ts): everything behind the local listener.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Hono } from 'hono'
import { getRequestListener } from '@hono/node-server'
import { Gauge, Registry } from 'prom-client'
import type { Agent } from './agent.js'
import type { LevelBuffer } from './buffer/level-buffer.js'
import type { Uplink } from './uplink.js'
import { registerInputMetrics } from './inputs/counters.js'
import { mountIngest } from './ingest/route.js'
import { mountOtlp } from './inputs/otlp/route.js'
import type { BatchBody } from './split-body.js'

export function buildListener(agent: Agent, intervalMs: number, log: (level: string, msg: string, extra?: Record<string, unknown>) => void): (req: IncomingMessage, res: ServerResponse) => void {
  const registry = agentRegistry(agent.buffer, agent.uplink, () => agent.invalidBatches)
  registerInputMetrics(registry, agent.inputCounters)
  const sampler = agent.sampler
  if (sampler) {
    new Gauge({
      name: 'outpost_agent_spans_sampled_total',
      help: 'Spans by trace sampling decision (docs/agent.md)',
      labelNames: ['decision'],
      registers: [registry],
      collect() {
        sampler.expire()
        for (const [decision, n] of Object.entries(sampler.counters.spans)) this.set({ decision }, n)
      },
    })
  }
  const routeOptions = {
    accept: (body: BatchBody) => agent.accept(body),
    registry,
    retryAfterSeconds: Math.max(1, Math.ceil(intervalMs / 1000)),
    log,
  }
  return listenerApp(registry, (app) => {
    mountIngest(app, routeOptions)
    mountOtlp(app, routeOptions)
  })
}

/** The agent's own metrics in Prometheus text, read live from the buffer and uplink at scrape time. */
export function agentRegistry(buffer: LevelBuffer, uplink: Uplink, invalidBatches: () => number): Registry {
  const registry = new Registry()
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()) } })
  gauge('outpost_agent_buffer_bytes', 'Bytes of batches held in the buffer', () => buffer.stats().bytes)
  gauge('outpost_agent_batches_pending', 'Batches waiting for the hub ack', () => buffer.stats().pending)
  gauge('outpost_agent_connected', '1 while connected to the hub', () => (uplink.connected ? 1 : 0))
  gauge('outpost_agent_batches_sent_total', 'Batches sent (first sends)', () => uplink.counters.sent)
  gauge('outpost_agent_bytes_sent_total', 'Encoded bytes of batches sent (first sends)', () => uplink.counters.bytesSent)
  gauge('outpost_agent_batches_replayed_total', 'Batches sent as replayed backlog (marked hist)', () => uplink.counters.replayed)
  gauge('outpost_agent_batches_resent_total', 'Batches sent again after a timeout or reconnect', () => uplink.counters.resent)
  gauge('outpost_agent_batches_acked_total', 'Batches the hub acked', () => uplink.counters.acked)
  gauge('outpost_agent_errors_total', 'Uplink errors', () => uplink.counters.errors)
  new Gauge({
    name: 'outpost_agent_dropped_batches_total',
    help: 'Batches dropped, by reason',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      const dropped: Record<string, number> = { buffer_full: 0, ...buffer.stats().droppedBatches, invalid: invalidBatches() }
      for (const [reason, n] of Object.entries(dropped)) this.set({ reason }, n)
    },
  })
  return registry
}

/** The listener's app (DESIGN §9): /healthz, /metrics, and the routes `extraRoutes` mounts (ingest, OTLP). */
export function listenerApp(registry: Registry, extraRoutes?: (app: Hono) => void): (req: IncomingMessage, res: ServerResponse) => void {
  const app = new Hono()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/metrics', async (c) => c.text(await registry.metrics(), 200, { 'content-type': registry.contentType }))
  extraRoutes?.(app)
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404))
  return getRequestListener(app.fetch)
}

