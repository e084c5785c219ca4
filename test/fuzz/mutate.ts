import { encodeBatch } from '../../protocol/codec.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { PROTOCOL_VERSION, type Batch } from '../../protocol/batch.js'
import { connectPacket, publishPacket } from '../security/raw-mqtt.js'

export type Rng = () => number
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]
const int = (rng: Rng, n: number) => Math.floor(rng() * n)

/** Valid batches of every kind: the seeds the mutators start from. */
export function batchCorpus(device: string): Batch[] {
  const now = Date.now()
  const m = new MetricsBuilder()
  for (let k = 0; k < 20; k++) m.add({ name: `fz_metric_${k % 4}`, type: k % 2 ? 'counter' : 'gauge', labels: { core: String(k), host: 'h' } }, now - 60_000 + k * 1000, k * 1.5)
  const base = { v: PROTOCOL_VERSION, dev: device, ep: 'fz-epoch', at: now }
  return [
    { ...base, seq: 1, m: m.build() },
    { ...base, seq: 2, l: [{ ts: now - 1000, level: 'error', message: 'disk full on /var', component: 'fs', attrs: { mount: '/var', pct: 99 } }] },
    { ...base, seq: 3, s: [{ traceId: '0123456789abcdef0123456789abcdef', spanId: '0123456789abcdef', name: 'GET /x', start: now - 500, end: now - 400, status: 'ok', attrs: { code: 200 } }] },
    { ...base, seq: 4, h: [{ check: 'web', kind: 'http', status: 'healthy', ts: now - 100, latencyMs: 12 }] },
  ]
}

const INTERESTING = [0x00, 0x01, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x3f, 0x40, 0x5f, 0x60, 0x7f, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc6, 0xd8, 0xf4, 0xf5, 0xf6, 0xf7, 0xf9, 0xfa, 0xfb, 0xff]
const nested = (depth: number): unknown => (depth === 0 ? 1 : [nested(depth - 1)])
const HOSTILE_VALUES: unknown[] = [
  '__proto__', 'constructor', 'prototype', '', 'x'.repeat(70_000), -1, 0, 2 ** 53 + 2, -(2 ** 63), Number.NaN, Infinity, -Infinity, 1e308, null, true, [],
  {}, nested(40), JSON.parse('{"__proto__": {"polluted": 1}}'), JSON.parse('{"constructor": {"prototype": {"polluted": 1}}}'),
  new Array(5000).fill(0), 'outpost/v1/+/telemetry', '\u0000', '\ud800',
]

/** Replaces one field anywhere in the batch with a hostile value, then encodes it. */
function structural(rng: Rng, batch: Batch): Uint8Array {
  const copy = JSON.parse(JSON.stringify(batch)) as Record<string, unknown>
  let node: any = copy
  for (let depth = 0; depth < 4; depth++) {
    const keys = Object.keys(node)
    if (keys.length === 0) break
    const key = pick(rng, keys)
    if (depth === 3 || typeof node[key] !== 'object' || node[key] === null || rng() < 0.35) {
      if (rng() < 0.15) Object.defineProperty(node, pick(rng, ['__proto__', 'constructor', 'zz']), { value: pick(rng, HOSTILE_VALUES), enumerable: true, configurable: true, writable: true })
      else node[key] = pick(rng, HOSTILE_VALUES)
      break
    }
    node = node[key]
  }
  try {
    return encodeBatch(copy as unknown as Batch)
  } catch {
    return encodeBatch(batch)
  }
}

/** Byte-level mutations (bit flips, interesting bytes, cuts, copies, splices) and structural ones. */
export function mutate(rng: Rng, seeds: readonly Uint8Array[], batches: readonly Batch[]): Uint8Array {
  if (batches.length > 0 && rng() < 0.25) return structural(rng, pick(rng, batches))
  let b = Buffer.from(pick(rng, seeds))
  const rounds = 1 + int(rng, 4)
  for (let r = 0; r < rounds && b.length > 0; r++) {
    const at = int(rng, b.length)
    switch (int(rng, 7)) {
      case 0:
        b[at] ^= 1 << int(rng, 8)
        break
      case 1:
        b[at] = pick(rng, INTERESTING)
        break
      case 2:
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + int(rng, 16)))])
        break
      case 3: {
        const len = 1 + int(rng, 32)
        b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)])
        break
      }
      case 4:
        b = b.subarray(0, at)
        break
      case 5:
        b = Buffer.concat([b.subarray(0, at), Buffer.from(Array.from({ length: 1 + int(rng, 8) }, () => int(rng, 256))), b.subarray(at)])
        break
      default: {
        const other = pick(rng, seeds)
        b = Buffer.concat([b.subarray(0, at), other.subarray(int(rng, other.length))])
      }
    }
  }
  return b
}

/** A connection's worth of MQTT bytes: CONNECT, then publishes, a subscribe, a ping, a disconnect. */
export function mqttSession(device: string, payload: Uint8Array): { connect: Buffer; rest: Buffer } {
  const subscribe = (() => {
    const topic = Buffer.from(`outpost/v1/${device}/ack`)
    const body = Buffer.concat([Buffer.from([0x00, 0x02, topic.length >> 8, topic.length & 0xff]), topic, Buffer.from([0x01])])
    return Buffer.concat([Buffer.from([0x82, body.length]), body])
  })()
  return {
    connect: connectPacket(device, { keepalive: 30 }),
    rest: Buffer.concat([
      subscribe,
      publishPacket(Buffer.from(`outpost/v1/${device}/telemetry`), Buffer.from(payload), 1, 7),
      publishPacket(Buffer.from(`outpost/v1/${device}/status`), Buffer.from([0xa1, 0x65, 0x73, 0x74, 0x61, 0x74, 0x65, 0x66, 0x6f, 0x6e, 0x6c, 0x69, 0x6e, 0x65]), 0),
      Buffer.from([0xc0, 0x00]), // PINGREQ
      Buffer.from([0xe0, 0x00]), // DISCONNECT
    ]),
  }
}
