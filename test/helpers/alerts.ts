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

  /** `password`: the device token, for hubs that require MQTT credentials. */
  static async connect(mqttUrl: string, id: string, password?: string): Promise<TestDevice> {
    const client = await mqtt.connectAsync(mqttUrl, { clientId: id, username: id, password, reconnectPeriod: 0 })
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

/** An operator account (DESIGN §11): only operators may subscribe to the alert topics. Its name is its MQTT client id. */
export interface Operator {
  name: string
  token: string
}

let operators = 0

/** Creates an operator token through the API, with a name of its own so subscribers never take over each other's session. */
export async function newOperator(apiUrl: string): Promise<Operator> {
  const name = `ops-${process.pid}-${++operators}`
  const r = await api(apiUrl).post('/v1/tokens', { role: 'operator', name })
  if (r.status !== 201) throw new Error(`operator token: ${r.status} ${JSON.stringify(r.body)}`)
  return { name, token: r.body.token }
}

/** Creates a device's credentials through the API and returns its token. */
export async function newDeviceToken(apiUrl: string, id: string): Promise<string> {
  const r = await api(apiUrl).post('/v1/devices', { id })
  if (r.status !== 201) throw new Error(`device add: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.token
}

/**
 * A real `mosquitto_sub` (Debian mosquitto-clients) logged in as an operator, on the alert topics; `skipRetained` is
 * its -R. `-d` prints the SUBACK, so a test can wait for the subscription without publishing a probe (only the hub
 * may publish on alert topics).
 */
export function mosquittoSub(mqttUrl: string, operator: Operator, opts: { topic?: string; skipRetained?: boolean } = {}) {
  const url = new URL(mqttUrl)
  const args = ['-d', '-h', url.hostname, '-p', url.port, '-i', operator.name, '-u', operator.name, '-P', operator.token, '-q', '1', '-t', opts.topic ?? 'outpost/v1/alerts/#', '-F', '%r %t %p']
  if (opts.skipRetained) args.push('-R')
  // stdbuf: mosquitto_sub flushes messages but not its debug lines when stdout is a pipe.
  const child: ChildProcess = spawn('stdbuf', ['-oL', 'mosquitto_sub', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const messages: SubMessage[] = []
  let granted: string | undefined
  let buf = ''
  let err = ''
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      // Debug lines ("Client … sending …", "Subscribed (mid: 1): 1") are not messages; the SUBACK's granted QoS is kept.
      const suback = /^Subscribed \(mid: \d+\): (\d+)/.exec(line)
      if (suback) granted = suback[1]
      if (!/^[01] /.test(line)) continue
      const [r, topic, ...rest] = line.split(' ')
      messages.push({ retained: r === '1', topic, payload: rest.join(' '), at: Date.now() })
    }
  })
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()))
  return {
    messages,
    /** The QoS the broker granted (128: refused), once the SUBACK has arrived. */
    granted: () => granted,
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

/** Waits until mosquitto_sub's subscription is granted (its SUBACK); a refused one fails at once. */
export async function untilSubscribed(sub: ReturnType<typeof mosquittoSub>): Promise<void> {
  const qos = await waitFor(() => sub.granted(), 15_000, `mosquitto_sub subscribed (${sub.stderr()})`)
  if (qos === '128') throw new Error('mosquitto_sub: subscription refused by the broker')
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
