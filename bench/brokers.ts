import { spawn } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { Hub } from '../hub/hub.js'
import { encodeBatch } from '../protocol/codec.js'
import { MetricsBuilder } from '../protocol/metrics-builder.js'
import { PROTOCOL_VERSION } from '../protocol/batch.js'
import { topics } from '../protocol/topics.js'

const N = Number(process.env.OUTPOST_BENCH_BROKER_MESSAGES ?? 2000)

async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]
}

function newHub(dir: string, name: string, redisUrl?: string): Hub {
  return new Hub({ data: join(dir, name), host: '127.0.0.1', mqttPort: 0, httpPort: 0, insecure: true, maxBatchBytes: 1 << 20, compactInterval: 60_000, cluster: redisUrl, log: () => {} })
}

/** Batches of 10 samples, one at a time, each waiting for its ack: publish-to-ack latency in ms. */
async function ackLatencies(hub: Hub, device: string): Promise<number[]> {
  const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${hub.mqttPort}`, { clientId: device, reconnectPeriod: 0, keepalive: 30 })
  await c.subscribeAsync(topics.ack(device), { qos: 1 })
  let waiting: (() => void) | undefined
  c.on('message', () => waiting?.())
  const out: number[] = []
  for (let seq = 1; seq <= N; seq++) {
    const b = new MetricsBuilder()
    for (let k = 0; k < 10; k++) b.add({ name: 'bench_value', type: 'gauge', labels: { k: String(k) } }, Date.now() - 1000, seq)
    const payload = Buffer.from(encodeBatch({ v: PROTOCOL_VERSION, dev: device, ep: `ep-${device}`, seq, at: Date.now(), m: b.build() }))
    const t = performance.now()
    await new Promise<void>((resolve) => {
      waiting = resolve
      c.publish(topics.telemetry(device), payload, { qos: 1 })
    })
    out.push(performance.now() - t)
  }
  await c.endAsync(true)
  return out
}

/** Messages published on `from`'s broker, one at a time, each until `to`'s server-side subscriber has it (ms). */
async function busLatencies(from: Hub, to: Hub, topic: string): Promise<number[]> {
  let waiting: (() => void) | undefined
  const listener = (_p: unknown, done: () => void) => {
    waiting?.()
    done()
  }
  await new Promise<void>((r) => to.aedes!.subscribe(topic, listener, r))
  const out: number[] = []
  for (let k = 0; k < N; k++) {
    const t = performance.now()
    await new Promise<void>((resolve) => {
      waiting = resolve
      from.aedes!.publish({ cmd: 'publish', topic, payload: Buffer.from(String(k)), qos: 0, retain: false, dup: false }, () => {})
    })
    out.push(performance.now() - t)
  }
  await new Promise<void>((r) => to.aedes!.unsubscribe(topic, listener, r))
  return out
}

/**
 * Brokers joined through Redis (docs/cluster.md): publish-to-ack latency of one device on a hub with `--cluster`
 * against the same hub without it, and a message crossing to another hub against one delivered on its own hub,
 * all in one run on a real redis-server.
 */
export async function benchBrokers(dir: string): Promise<Record<string, number>> {
  mkdirSync(dir, { recursive: true })
  const port = await freePort()
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] })
  await new Promise<void>((resolve, reject) => {
    let out = ''
    redis.stdout!.on('data', (d: Buffer) => (out += d) && /Ready to accept/.test(out) && resolve())
    redis.once('exit', (code) => reject(new Error(`redis-server exited (${code})`)))
  })
  const url = `redis://127.0.0.1:${port}`
  const plain = newHub(dir, 'plain')
  const a = newHub(dir, 'a', url)
  const b = newHub(dir, 'b', url)
  try {
    await Promise.all([plain.start(), a.start(), b.start()])
    const alone = await ackLatencies(plain, 'bench-plain')
    const clustered = await ackLatencies(a, 'bench-a')
    const local = await busLatencies(a, a, 'outpost/v1/alerts/low/bench/local')
    const cross = await busLatencies(a, b, 'outpost/v1/alerts/low/bench/cross')
    return {
      [`ack p50 ms, no cluster (${N} batches)`]: percentile(alone, 50),
      'ack p99 ms, no cluster': percentile(alone, 99),
      'ack p50 ms, --cluster': percentile(clustered, 50),
      'ack p99 ms, --cluster': percentile(clustered, 99),
      'ack p99, --cluster vs none': percentile(clustered, 99) / percentile(alone, 99),
      'bus p50 ms, same hub': percentile(local, 50),
      'bus p50 ms, hub to hub via Redis': percentile(cross, 50),
      'bus p99 ms, same hub': percentile(local, 99),
      'bus p99 ms, hub to hub via Redis': percentile(cross, 99),
    }
  } finally {
    await Promise.allSettled([plain.stop(), a.stop(), b.stop()])
    redis.kill('SIGKILL')
  }
}
