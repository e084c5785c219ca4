import { Hono } from 'hono'
import type { EventBus, HubEvent } from '../../events/event-bus.js'

export interface EventStreamOptions {
  /** Events held for one slow client before its oldest are dropped (default 1,000). */
  queueMax?: number
  /** A comment line this often keeps proxies and the browser from closing an idle stream (default 15 s). */
  heartbeatMs?: number
}

const encoder = new TextEncoder()
const frame = (event: string, data: unknown) => encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)

/**
 * `GET /v1/events` (DESIGN §7): Server-Sent Events, one stream per console. Each client has a bounded queue: when it
 * is full the newest event is dropped and counted, and a `dropped` event tells the client to reload what it shows.
 */
export function eventRoutes(bus: EventBus, options: EventStreamOptions = {}) {
  const queueMax = options.queueMax ?? 1000
  const heartbeatMs = options.heartbeatMs ?? 15_000
  return new Hono().get('/', (c) => {
    let stop = () => {}
    const body = new ReadableStream<Uint8Array>(
      {
        start(controller) {
          let dropped = 0
          const send = (chunk: Uint8Array) => {
            if ((controller.desiredSize ?? 0) <= 0) {
              dropped++
              bus.counters.dropped++
              return
            }
            if (dropped > 0) {
              controller.enqueue(frame('dropped', { count: dropped }))
              dropped = 0
            }
            controller.enqueue(chunk)
          }
          let heartbeat: NodeJS.Timeout | undefined
          let ended = false
          let unsubscribe = () => {}
          stop = () => {
            ended = true
            unsubscribe()
            clearInterval(heartbeat)
          }
          // The hub is stopping: end the response so the server can close.
          const end = () => {
            if (ended) return
            stop()
            try {
              controller.close()
            } catch {
              // already closed by the client
            }
          }
          unsubscribe = bus.subscribe((e: HubEvent) => send(frame(e.type, e)), end)
          if (ended) return
          heartbeat = setInterval(() => send(encoder.encode(': heartbeat\n\n')), heartbeatMs)
          heartbeat.unref()
          c.req.raw.signal.addEventListener('abort', () => stop(), { once: true })
          controller.enqueue(encoder.encode('retry: 3000\n\n'))
          controller.enqueue(frame('hello', { at: Date.now() }))
        },
        cancel() {
          stop()
        },
      },
      new CountQueuingStrategy({ highWaterMark: queueMax }),
    )
    return new Response(body, {
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' },
    })
  })
}
