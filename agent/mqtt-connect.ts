import { createConnection } from 'node:net'
import type { IClientOptions, MqttClient } from 'mqtt'
import * as clientModule from 'mqtt/lib/client'
import type { StreamBuilder } from 'mqtt/lib/shared'

// mqtt.connect() loads every transport mqtt.js has (TLS, WebSocket, SOCKS proxy) and with them node:tls, crypto,
// https, dns and the ws package: several MiB on every device (docs/agent.md, footprint). The agent speaks
// mqtt:// and mqtts:// only, so it builds the client with the one stream it needs; TLS (mqtt.js's own builder,
// which checks the certificate the same way) is loaded only for an mqtts:// hub.

export const needsTls = (url: string) => url.startsWith('mqtts:')

/** mqtt.js's TLS stream builder, loaded on demand. */
export async function loadTlsBuilder(): Promise<StreamBuilder> {
  return cjsDefault<StreamBuilder>(await import('mqtt/lib/connect/tls'))
}

/** mqtt.connect(url, options) for an mqtt:// or mqtts:// URL; an mqtts:// one needs `tls` from loadTlsBuilder(). */
export function connectMqtt(url: string, options: IClientOptions, tls?: StreamBuilder): MqttClient {
  const u = new URL(url)
  const secure = needsTls(url)
  if (secure && !tls) throw new Error('connectMqtt: an mqtts:// hub needs the TLS stream builder')
  const opts: IClientOptions = {
    ...options,
    protocol: secure ? 'mqtts' : 'mqtt',
    host: u.hostname,
    hostname: u.hostname,
    port: u.port ? Number(u.port) : secure ? 8883 : 1883,
    ...(u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
  }
  // The client calls its builder with itself only (mqtt.connect wraps each builder to pass the options too).
  const build: StreamBuilder = secure ? (client) => tls!(client, opts) : () => createConnection({ host: opts.hostname!, port: opts.port! })
  const Client = cjsDefault<new (build: StreamBuilder, opts: IClientOptions) => MqttClient>(clientModule)
  const client = new Client(build, opts)
  // As mqtt.connect does: the caller listens for errors; this one keeps an early one from being unhandled.
  client.on('error', () => {})
  return client
}

/**
 * `exports.default` of a CommonJS module: Node's ESM import puts the whole exports object under `default`, while
 * bundlers and vitest unwrap `__esModule` modules once more.
 */
function cjsDefault<T>(m: unknown): T {
  let d = (m as { default?: unknown }).default ?? m
  if (typeof d !== 'function') d = (d as { default?: unknown }).default
  return d as T
}
