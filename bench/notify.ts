import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import { Level } from 'level'
import mqtt from 'mqtt'
import nodemailer from 'nodemailer'
import { SMTPServer } from 'smtp-server'
import { encodeBatch } from '../protocol/codec.js'
import { MetricsBuilder } from '../protocol/metrics-builder.js'
import { PROTOCOL_VERSION } from '../protocol/batch.js'
import { topics } from '../protocol/topics.js'
import { Hub } from '../hub/hub.js'
import { builtinNotifiers } from '../hub/alerts/notifiers/registry.js'
import type { Notifier } from '../hub/alerts/notifiers/types.js'
import { parseOptions } from '../kit/options.js'

// Issue 17: (1) notifications/s through each channel's durable queue to a local receiver, beside the floor of the
// same receiver taking the same number of requests straight (fetch, or nodemailer for SMTP; no queue, no LevelDB);
// (2) latency from a crossing sample to each channel's receiver (hub in process, every channel on, no route), beside
// the MQTT alert of the same crossing.

const quantile = (xs: number[], q: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]
const silent = () => {}

interface Receivers {
  http: string
  smtpPort: number
  /** Arrival times (performance.now) per channel: slack, pagerduty, msteams, telegram, ntfy, webhook, email. */
  arrivals: Map<string, number[]>
  close(): Promise<void>
}

const CHANNEL_OF: Array<[RegExp, string]> = [[/^\/slack/, 'slack'], [/^\/pd/, 'pagerduty'], [/^\/teams/, 'msteams'], [/^\/tg/, 'telegram'], [/^\/ntfy/, 'ntfy'], [/^\/am/, 'webhook']]

async function startReceivers(): Promise<Receivers> {
  const arrivals = new Map<string, number[]>()
  const arrive = (channel: string) => {
    const list = arrivals.get(channel) ?? []
    list.push(performance.now())
    arrivals.set(channel, list)
  }
  const http: Server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      const channel = CHANNEL_OF.find(([re]) => re.test(req.url ?? ''))?.[1] ?? 'other'
      arrive(channel)
      const status = channel === 'pagerduty' ? 202 : 200
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true,"ts":"1700000000.000100","channel":"C1","result":{}}')
    })
  })
  http.keepAliveTimeout = 60_000
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()))
  const smtp = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    disableReverseLookup: true,
    logger: false,
    onData(stream, _s, cb) {
      stream.resume()
      stream.on('end', () => {
        arrive('email')
        cb()
      })
    },
  })
  await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()))
  return {
    http: `http://127.0.0.1:${(http.address() as { port: number }).port}`,
    smtpPort: (smtp.server.address() as { port: number }).port,
    arrivals,
    async close() {
      http.closeAllConnections()
      await new Promise((r) => http.close(r))
      await new Promise<void>((r) => smtp.close(() => r()))
    },
  }
}

function channelConfigs(r: Receivers): Array<Record<string, unknown>> {
  return [
    { kind: 'slack', name: 'slack', url: `${r.http}/slack` },
    { kind: 'pagerduty', name: 'pagerduty', routingKey: 'bench', url: `${r.http}/pd` },
    { kind: 'msteams', name: 'msteams', url: `${r.http}/teams` },
    { kind: 'telegram', name: 'telegram', token: '1:bench', chatId: 1, apiUrl: `${r.http}/tg` },
    { kind: 'ntfy', name: 'ntfy', url: `${r.http}/ntfy`, topic: 'bench' },
    { kind: 'webhook', name: 'webhook', url: `${r.http}/am`, payload: 'alertmanager' },
    { kind: 'email', name: 'email', host: '127.0.0.1', port: r.smtpPort, from: 'bench@outpost.local', to: 'ops@outpost.local' },
  ]
}

const waitCount = async (r: Receivers, channel: string, n: number, timeoutMs = 60_000) => {
  const deadline = Date.now() + timeoutMs
  while ((r.arrivals.get(channel)?.length ?? 0) < n) {
    if (Date.now() > deadline) throw new Error(`bench: ${channel} got ${r.arrivals.get(channel)?.length ?? 0} of ${n}`)
    await new Promise((res) => setTimeout(res, 1))
  }
}

/** notifications/s through each queued notifier, and the straight-to-receiver floor. */
export async function benchNotifyThroughput(dir: string, count = 1000): Promise<Record<string, { queued: number; floor: number }>> {
  const r = await startReceivers()
  const out: Record<string, { queued: number; floor: number }> = {}
  const registry = builtinNotifiers()
  try {
    for (const config of channelConfigs(r)) {
      const channel = config.kind as string
      const n = channel === 'email' ? Math.min(count, 300) : count
      const db = new Level<string, any>(join(dir, `db-${channel}`), { valueEncoding: 'json' })
      await db.open()
      const plugin = registry.require(config.kind, 'bench')
      const notifier = plugin.create(parseOptions(plugin.options, config), { broker: undefined as never, db, clock: Date.now, log: silent }) as Notifier
      await notifier.start?.()
      const key = config.name === 'webhook' ? 'webhook' : channel
      const before = r.arrivals.get(key)?.length ?? 0
      const t0 = performance.now()
      for (let i = 0; i < n; i++) {
        const now = Date.now()
        await notifier.notify({ incident: null, alerts: [{ id: `a-${i}`, rule: 'bench', device: 'dev-1', severity: 'high', state: 'firing', value: i, startsAt: now, endsAt: null, annotations: { summary: 'bench' }, labels: { site: 'north' } }] })
      }
      await waitCount(r, key, before + n)
      const queued = n / ((performance.now() - t0) / 1000)
      await notifier.stop?.()
      await db.close()
      // The floor: the same receiver taking n requests straight, one at a time.
      const f0 = performance.now()
      if (channel === 'email') {
        const transport = nodemailer.createTransport({ pool: true, maxConnections: 1, host: '127.0.0.1', port: r.smtpPort, secure: false, ignoreTLS: true })
        for (let i = 0; i < n; i++) await transport.sendMail({ from: 'bench@outpost.local', to: 'ops@outpost.local', subject: `bench ${i}`, text: 'bench' })
        transport.close()
      } else {
        const path = { slack: '/slack', pagerduty: '/pd', msteams: '/teams', telegram: '/tg/bot1:bench/sendMessage', ntfy: '/ntfy', webhook: '/am' }[channel]!
        for (let i = 0; i < n; i++) await (await fetch(`${r.http}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: `bench ${i}` }) })).text()
      }
      out[channel] = { queued, floor: n / ((performance.now() - f0) / 1000) }
    }
  } finally {
    await r.close()
  }
  return out
}

/** Crossing sample → each channel's receiver, p50 and p99 over `rounds` firings, beside the MQTT alert. */
export async function benchNotifyLatency(dir: string, rounds = 50): Promise<Record<string, { p50: number; p99: number }>> {
  const r = await startReceivers()
  const hub = new Hub({
    data: join(dir, 'hub'),
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: 0,
    insecure: true,
    maxBatchBytes: 1 << 20,
    compactInterval: 60_000,
    limits: { publishRate: 1_000_000 },
    alerts: { evalInterval: 100 },
    notifiers: channelConfigs(r) as never,
    log: silent,
  })
  await hub.start()
  const url = `mqtt://127.0.0.1:${hub.mqttPort}`
  await hub.alerts.putRule({ id: 'hot', kind: 'threshold', metric: 'bench_temp', agg: 'last', op: '>', threshold: 50, severity: 'high' }, 'create')
  const device = await mqtt.connectAsync(url, { clientId: 'bench-dev', reconnectPeriod: 0 })
  const operator = await hub.credentials.addToken('operator', 'bench', 'bench-ops')
  const ops = await mqtt.connectAsync(url, { clientId: 'bench-ops', username: 'bench-ops', password: operator.token, reconnectPeriod: 0 })
  await ops.subscribeAsync('outpost/v1/alerts/#', { qos: 1 })
  ops.on('message', (_t, p) => {
    if (p.length > 0 && JSON.parse(p.toString()).state === 'firing') {
      const list = r.arrivals.get('mqtt') ?? []
      list.push(performance.now())
      r.arrivals.set('mqtt', list)
    }
  })
  let seq = 0
  const send = async (value: number) => {
    const b = new MetricsBuilder()
    b.add({ name: 'bench_temp', type: 'gauge', labels: {} }, Date.now(), value)
    const t0 = performance.now()
    await device.publishAsync(topics.telemetry('bench-dev'), Buffer.from(encodeBatch({ v: PROTOCOL_VERSION, dev: 'bench-dev', ep: 'bench', seq: ++seq, at: Date.now(), m: b.build() })), { qos: 1 })
    return t0
  }
  const channels = ['mqtt', 'slack', 'pagerduty', 'msteams', 'telegram', 'ntfy', 'webhook', 'email']
  const ms = new Map<string, number[]>(channels.map((c) => [c, []]))
  try {
    for (let i = 0; i < rounds; i++) {
      const t0 = await send(90)
      for (const c of channels) {
        // Every channel but MQTT (firing only counted) gets a firing and a resolved message per round.
        const nth = c === 'mqtt' ? i + 1 : 2 * i + 1
        await waitCount(r, c, nth)
        ms.get(c)!.push(r.arrivals.get(c)![nth - 1] - t0)
      }
      await send(10)
      for (const c of channels) if (c !== 'mqtt') await waitCount(r, c, 2 * i + 2)
    }
  } finally {
    await device.endAsync()
    await ops.endAsync()
    await hub.stop()
    await r.close()
  }
  return Object.fromEntries(channels.map((c) => [c, { p50: quantile(ms.get(c)!, 0.5), p99: quantile(ms.get(c)!, 0.99) }]))
}
