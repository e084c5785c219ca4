import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHub, TEST_ADMIN_TOKEN, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { makeTestAgent } from '../../helpers/agent.js'
import { api } from '../../security/support.js'
import type { Agent } from '../../../agent/agent.js'

interface Frame {
  event: string
  data?: any
  comment?: string
}

/** A real SSE client over fetch: frames as they arrive. */
async function openStream(url: string, token = TEST_ADMIN_TOKEN) {
  const ctl = new AbortController()
  const res = await fetch(url + '/v1/events', { headers: { authorization: `Bearer ${token}` }, signal: ctl.signal })
  const frames: Frame[] = []
  const done = (async () => {
    if (!res.body) return
    const reader = res.body.getReader()
    const dec = new TextDecoder()
    let buf = ''
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buf += dec.decode(value, { stream: true })
        let end
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end)
          buf = buf.slice(end + 2)
          const f: Frame = { event: 'message' }
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) f.event = line.slice(7)
            else if (line.startsWith('data: ')) f.data = JSON.parse(line.slice(6))
            else if (line.startsWith(':')) f.comment = line.slice(1).trim()
          }
          frames.push(f)
        }
      }
    } catch {
      // aborted by close()
    }
  })()
  return { res, frames, close: async () => (ctl.abort(), await done) }
}

describe('GET /v1/events (Server-Sent Events)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  let agent: Agent | undefined

  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { console: { eventStream: { heartbeatMs: 200, queueMax: 16 } } })
  })
  afterAll(async () => {
    await agent?.stop()
    await hub?.stop()
    await dir?.cleanup()
  })

  it('needs a token; streams hello and heartbeats', async () => {
    expect((await api(hub, 'GET', '/v1/events', null)).status).toBe(401)
    const s = await openStream(hub.apiUrl)
    expect(s.res.headers.get('content-type')).toMatch(/^text\/event-stream/)
    await waitFor(() => s.frames.some((f) => f.event === 'hello') && s.frames.some((f) => f.comment === 'heartbeat'), 10_000, 'hello and a heartbeat')
    await s.close()
    await waitFor(() => hub.hub.events.subscribers === 0, 10_000, 'subscription released on disconnect')
  })

  it('device online and offline, alert state changes and new error logs arrive as they happen', async () => {
    const s = await openStream(hub.apiUrl)
    await waitFor(() => s.frames.some((f) => f.event === 'hello'), 10_000, 'hello')
    agent = makeTestAgent(dir.dir, hub.mqttUrl, { id: 'sse-dev' })
    await agent.start()
    await waitFor(() => s.frames.find((f) => f.event === 'device' && f.data.device === 'sse-dev' && f.data.online), 20_000, 'online event')

    const rule = await api(hub, 'POST', '/v1/rules', TEST_ADMIN_TOKEN, { id: 'sse-cpu', kind: 'threshold', metric: 'system_cpu_usage_ratio', op: '>=', threshold: 0, window: '10s', severity: 'low' })
    expect(rule.status).toBe(201)
    const firing = await waitFor(() => s.frames.find((f) => f.event === 'alert' && f.data.rule === 'sse-cpu' && f.data.state === 'firing'), 20_000, 'firing event')
    expect(firing.data).toMatchObject({ type: 'alert', device: 'sse-dev', severity: 'low' })
    expect((await api(hub, 'POST', `/v1/alerts/${encodeURIComponent(firing.data.alert)}/ack`)).status).toBe(200)
    await waitFor(() => s.frames.find((f) => f.event === 'alert' && f.data.state === 'acknowledged' && f.data.by === 'admin'), 10_000, 'ack event')

    await agent.accept({ l: [{ ts: Date.now(), level: 'info', message: 'routine' }, { ts: Date.now(), level: 'error', component: 'pump', message: 'impeller jammed' }] })
    const log = await waitFor(() => s.frames.find((f) => f.event === 'log'), 20_000, 'log event')
    expect(log.data).toMatchObject({ device: 'sse-dev', level: 'error', component: 'pump', message: 'impeller jammed' })
    expect(s.frames.filter((f) => f.event === 'log')).toHaveLength(1)

    await agent.stop()
    agent = undefined
    await waitFor(() => s.frames.find((f) => f.event === 'device' && f.data.device === 'sse-dev' && !f.data.online), 20_000, 'offline event')
    await s.close()
  })

  it('a client that does not read has a bounded queue: the excess is dropped, counted and announced', async () => {
    const ctl = new AbortController()
    const res = await fetch(hub.apiUrl + '/v1/events', { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` }, signal: ctl.signal })
    expect(res.status).toBe(200)
    await waitFor(() => hub.hub.events.subscribers === 1, 10_000, 'subscribed')
    // Far more than socket buffers and the 16-event queue hold while nobody reads.
    const message = 'x'.repeat(400)
    for (let i = 0; i < 40_000; i++) hub.hub.events.publish({ type: 'log', device: 'flood', level: 'error', message, ts: i })
    expect(hub.hub.events.counters.dropped).toBeGreaterThan(0)
    // Reading now: the stream carries a `dropped` event with a count, then later events.
    const reader = res.body!.getReader()
    const dec = new TextDecoder()
    let text = ''
    const deadline = Date.now() + 20_000
    while (!text.includes('event: dropped') && Date.now() < deadline) {
      hub.hub.events.publish({ type: 'log', device: 'flood', level: 'error', message: 'after', ts: 1 })
      const { value, done } = await reader.read()
      if (done) break
      text += dec.decode(value, { stream: true })
      if (text.length > 1_000_000) text = text.slice(-10_000)
    }
    expect(text).toMatch(/event: dropped\ndata: \{"count":\d+\}/)
    ctl.abort()
  })

  it('stopping the hub ends open streams (they would keep its HTTP server from closing)', async () => {
    const own = await tempDir()
    const other = await startTestHub(own.dir)
    const s = await openStream(other.apiUrl)
    await waitFor(() => s.frames.some((f) => f.event === 'hello'), 10_000, 'hello')
    const stopped = other.stop().then(() => 'stopped')
    const timeout = new Promise((resolve) => setTimeout(() => resolve('hung'), 15_000).unref())
    expect(await Promise.race([stopped, timeout])).toBe('stopped')
    await s.close()
    await own.cleanup()
  })
})
