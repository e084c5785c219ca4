// What the broker benches share (bench/brokers.ts, bench/cluster-hubs.ts): a throwaway redis-server, hubs in this
// process, and devices that publish numbered metric batches over MQTT and time each one from publish to its ack.
import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { Hub, type HubOptions } from '../hub/hub.js'
import { decodeAck, encodeBatch } from '../protocol/codec.js'
import { MetricsBuilder } from '../protocol/metrics-builder.js'
import { PROTOCOL_VERSION } from '../protocol/batch.js'
import { topics } from '../protocol/topics.js'
import { freePort, percentile as ofSorted } from './processes.js'

/** The p-th percentile (0-100) of unsorted latencies. */
export const percentile = (xs: number[], p: number) => ofSorted([...xs].sort((a, b) => a - b), p / 100)

/** Resolves once the child prints `re` (stdout or stderr); rejects if it exits first. */
export function waitOutput(child: ChildProcess, re: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = ''
    const on = (d: Buffer) => (out += d) && re.test(out) && resolve()
    child.stdout?.on('data', on)
    child.stderr?.on('data', on)
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}):\n${out}`)))
  })
}

/** redis-server on a free loopback port, no persistence, its files in `dir`. */
export async function startRedis(dir: string): Promise<{ url: string; stop: () => void }> {
  const port = await freePort()
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] })
  await waitOutput(redis, /Ready to accept/, 'redis-server')
  return { url: `redis://127.0.0.1:${port}`, stop: () => void redis.kill('SIGKILL') }
}

/** A hub in this process on free loopback ports, no auth, quiet; `extra` adds --store / --cluster. */
export function benchHub(dir: string, name: string, extra: Partial<HubOptions> = {}): Hub {
  return new Hub({ data: join(dir, name), host: '127.0.0.1', mqttPort: 0, httpPort: 0, insecure: true, maxBatchBytes: 1 << 20, compactInterval: 60_000, log: () => {}, ...extra })
}

export interface DeviceRun {
  batches: number
  /** Samples per batch, over 10 gauge series. */
  samples: number
  /** Batches in flight before the device waits for an ack (1: each batch waits for the one before). */
  window: number
  /** Publish-to-ack latency of each batch, ms, appended here. */
  latencies: number[]
}

/** One device on `url`: `batches` numbered batches, at most `window` unacked; resolves once every one is acked. */
export async function runDevice(url: string, id: string, run: DeviceRun): Promise<void> {
  const c = await mqtt.connectAsync(url, { clientId: id, reconnectPeriod: 0, keepalive: 30 })
  await c.subscribeAsync(topics.ack(id), { qos: 1 })
  const sentAt = new Map<number, number>()
  let acked = 0
  let wake: (() => void) | undefined
  c.on('message', (_t, payload) => {
    // Acks are cumulative: one closes every batch up to its seq.
    const ack = decodeAck(payload)
    const now = performance.now()
    for (const [seq, at] of sentAt) {
      if (seq > ack.seq) continue
      run.latencies.push(now - at)
      sentAt.delete(seq)
      acked++
    }
    wake?.()
  })
  const base = Date.now() - 600_000
  for (let seq = 1; seq <= run.batches; seq++) {
    while (sentAt.size >= run.window) await new Promise<void>((r) => (wake = r))
    const b = new MetricsBuilder()
    for (let k = 0; k < run.samples; k++) b.add({ name: 'bench_value', type: 'gauge', labels: { k: String(k % 10) } }, base + seq * 1000 + k, seq)
    const payload = Buffer.from(encodeBatch({ v: PROTOCOL_VERSION, dev: id, ep: `ep-${id}`, seq, at: Date.now(), m: b.build() }))
    sentAt.set(seq, performance.now())
    c.publish(topics.telemetry(id), payload, { qos: 1 })
  }
  while (acked < run.batches) await new Promise<void>((r) => (wake = r))
  await c.endAsync(true)
}
