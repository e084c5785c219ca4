import { spawn, type ChildProcess } from 'node:child_process'
import mqtt, { type MqttClient } from 'mqtt'
import { encodeBatch } from '../../protocol/codec.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { PROTOCOL_VERSION, type HealthResult, type Labels, type LogRecord, type SpanRecord } from '../../protocol/batch.js'
import { topics } from '../../protocol/topics.js'
import { TEST_ADMIN_TOKEN } from './hub.js'
import { waitFor } from './temp.js'

/** A device publishing real CBOR telemetry batches over MQTT, so data goes through the hub's real ingest. */
export class TestDevice {
  private seq = 0
  private constructor(
    readonly id: string,
    readonly client: MqttClient,
    private readonly ep: string,
  ) {}

  static async connect(mqttUrl: string, id: string): Promise<TestDevice> {
    const client = await mqtt.connectAsync(mqttUrl, { clientId: id, username: id, reconnectPeriod: 0 })
    return new TestDevice(id, client, `ep-${id}-${Date.now()}`)
  }

  /** Publishes one batch; resolves when the hub has acked it (stored, so the alert hook has run or is queued). */
  async send(data: { metrics?: Array<{ name: string; labels?: Labels; ts?: number; value: number }>; logs?: LogRecord[]; spans?: SpanRecord[]; health?: HealthResult[] }): Promise<void> {
    const b = new MetricsBuilder()
    for (const m of data.metrics ?? []) b.add({ name: m.name, type: 'gauge', labels: m.labels ?? {} }, m.ts ?? Date.now(), m.value)
    const seq = ++this.seq
    const payload = Buffer.from(
      encodeBatch({ v: PROTOCOL_VERSION, dev: this.id, ep: this.ep, seq, at: Date.now(), m: b.build(), l: data.logs, s: data.spans, h: data.health }),
    )
    await this.client.publishAsync(topics.telemetry(this.id), payload, { qos: 1 })
  }

  async gauge(name: string, value: number, labels: Labels = {}, ts = Date.now()): Promise<void> {
    await this.send({ metrics: [{ name, value, labels, ts }] })
  }

  close(): Promise<void> {
    return this.client.endAsync()
  }
}

export interface SubMessage {
  retained: boolean
  topic: string
  payload: string
  at: number
}

/** A real `mosquitto_sub` (Debian mosquitto-clients) on the alert topics; `skipRetained` is its -R. */
export function mosquittoSub(mqttUrl: string, opts: { id?: string; topic?: string; skipRetained?: boolean } = {}) {
  const url = new URL(mqttUrl)
  const args = ['-h', url.hostname, '-p', url.port, '-i', opts.id ?? `ops-${process.pid}-${Math.floor(Math.random() * 1e6)}`, '-q', '1', '-t', opts.topic ?? 'outpost/v1/alerts/#', '-F', '%r %t %p']
  if (opts.skipRetained) args.push('-R')
  const child: ChildProcess = spawn('mosquitto_sub', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const messages: SubMessage[] = []
  let buf = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      const [r, topic, ...rest] = line.split(' ')
      messages.push({ retained: r === '1', topic, payload: rest.join(' '), at: Date.now() })
    }
  })
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  return {
    messages,
    /** Alert messages (non-empty payloads) parsed. */
    alerts: () => messages.filter((m) => m.payload.startsWith('{')).map((m) => ({ ...m, alert: JSON.parse(m.payload) })),
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM')
        await new Promise((r) => child.once('exit', r))
      }
    },
  }
}

/** Waits until mosquitto_sub is subscribed: publishes probes on a probe topic until one arrives. */
export async function untilSubscribed(sub: ReturnType<typeof mosquittoSub>, mqttUrl: string): Promise<void> {
  const probe = await mqtt.connectAsync(mqttUrl, { clientId: `probe-${Math.floor(Math.random() * 1e9)}`, reconnectPeriod: 0 })
  try {
    await waitFor(async () => {
      await probe.publishAsync('outpost/v1/alerts/probe/probe/probe', 'probe', { qos: 1 })
      await new Promise((r) => setTimeout(r, 100))
      return sub.messages.some((m) => m.payload === 'probe')
    }, 15_000, `mosquitto_sub subscribed (${sub.stderr()})`)
  } finally {
    await probe.endAsync()
  }
}

/** JSON API calls with the test admin token. */
export function api(apiUrl: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(apiUrl + path, {
      method,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body),
    put: (path: string, body: unknown) => call('PUT', path, body),
    del: (path: string) => call('DELETE', path),
  }
}
