import mqtt, { type IClientOptions, type MqttClient } from 'mqtt'
import { encodeBatch } from '../../protocol/codec.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { PROTOCOL_VERSION } from '../../protocol/batch.js'
import { TEST_ADMIN_TOKEN, type TestHub } from '../helpers/hub.js'

/** An API call with a bearer token; the body parsed as JSON when it is JSON. */
export async function api(hub: TestHub, method: string, path: string, token: string | null = TEST_ADMIN_TOKEN, body?: unknown) {
  const headers: Record<string, string> = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(hub.apiUrl + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  const text = await res.text()
  let parsed: any = text
  try {
    parsed = JSON.parse(text)
  } catch {}
  return { status: res.status, body: parsed }
}

export async function addDevice(hub: TestHub, id: string): Promise<string> {
  const r = await api(hub, 'POST', '/v1/devices', TEST_ADMIN_TOKEN, { id })
  if (r.status !== 201) throw new Error(`device add ${id}: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body.token
}

export async function addToken(hub: TestHub, role: string, name?: string): Promise<{ id: string; token: string }> {
  const r = await api(hub, 'POST', '/v1/tokens', TEST_ADMIN_TOKEN, { role, name })
  if (r.status !== 201) throw new Error(`token add: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body
}

/** Connects, or rejects with the broker's refusal (CONNACK code, or the connection closed); never reconnects. */
export function connect(url: string, opts: IClientOptions): Promise<MqttClient & { sessionPresent: boolean }> {
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5_000, keepalive: 30, ...opts })
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      client.end(true)
      reject(err)
    }
    client.once('connect', (connack) => resolve(Object.assign(client, { sessionPresent: connack.sessionPresent })))
    client.once('error', fail)
    client.once('close', () => fail(new Error('connection closed before CONNACK')))
  })
}

/** The QoS the broker granted for one filter: 128 when refused (mqtt.js reports that as an error). */
export function grantedQos(client: MqttClient, filter: string): Promise<number> {
  return new Promise((resolve) =>
    client.subscribe(filter, { qos: 1 }, (err, granted) =>
      resolve(err ? ((err as unknown as { packet?: { granted?: number[] } }).packet?.granted?.[0] ?? -1) : (granted?.[0]?.qos ?? -1)),
    ),
  )
}

/** Resolves true when the client's connection closes within `ms`. */
export function closedWithin(client: MqttClient, ms: number): Promise<boolean> {
  if (!client.connected) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    client.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

export function batchFor(device: string, seq: number, value = 1): Buffer {
  const b = new MetricsBuilder()
  b.add({ name: 'probe_value', type: 'gauge', labels: {} }, Date.now() - 1000, value)
  return Buffer.from(encodeBatch({ v: PROTOCOL_VERSION, dev: device, ep: `ep-${device}`, seq, at: Date.now(), m: b.build() }))
}
