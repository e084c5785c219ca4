// The `cluster` section's two-hub figure (issue 16): ingest samples/s and publish-to-ack p99 of two hubs on one
// PostgreSQL store joined through Redis, beside one hub on the same PostgreSQL and one hub on LevelDB, same load,
// same run. Real postgresql-15 and redis-server, started here on free loopback ports; hubs in this process (they
// share its event loop, as two hubs share this 2-core machine).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, chownSync, mkdirSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { Hub } from '../hub/hub.js'
import { decodeAck, encodeBatch } from '../protocol/codec.js'
import { MetricsBuilder } from '../protocol/metrics-builder.js'
import { PROTOCOL_VERSION } from '../protocol/batch.js'
import { topics } from '../protocol/topics.js'

const DEVICES = Number(process.env.OUTPOST_BENCH_CLUSTER_DEVICES ?? 20)
const BATCHES = Number(process.env.OUTPOST_BENCH_CLUSTER_BATCHES ?? 200)
const SAMPLES = 100
const WINDOW = 8
const PG_BIN = process.env.OUTPOST_PG_BIN ?? '/usr/lib/postgresql/15/bin'

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

function waitOutput(child: ChildProcess, re: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = ''
    const on = (d: Buffer) => (out += d) && re.test(out) && resolve()
    child.stdout?.on('data', on)
    child.stderr?.on('data', on)
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}):\n${out}`)))
  })
}

/** PostgreSQL 15 in `dir` (as the `postgres` user when root: it refuses to run as root), trust auth. */
async function startPostgres(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort()
  const home = join(dir, 'pg')
  mkdirSync(home, { recursive: true })
  chmodSync(dir, 0o755)
  const as = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) } : undefined
  if (as) chownSync(home, as.uid, as.gid)
  execFileSync(join(PG_BIN, 'initdb'), ['-D', join(home, 'data'), '-A', 'trust', '-U', 'outpost', '-E', 'UTF8', '--locale=C', '--no-sync'], { stdio: 'pipe', ...as })
  const child = spawn(join(PG_BIN, 'postgres'), ['-D', join(home, 'data'), '-p', String(port), '-k', home, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'], { stdio: ['ignore', 'pipe', 'pipe'], ...as })
  await waitOutput(child, /ready to accept connections/, 'postgres')
  execFileSync(join(PG_BIN, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'outpost', '-d', 'postgres', '-c', 'CREATE DATABASE outpost'], { stdio: 'pipe' })
  return { url: `postgres://outpost@127.0.0.1:${port}/outpost`, child }
}

/** One device: BATCHES batches of SAMPLES samples, WINDOW in flight; publish-to-ack latency of each (ms). */
async function device(url: string, id: string, latencies: number[]): Promise<void> {
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
      latencies.push(now - at)
      sentAt.delete(seq)
      acked++
    }
    wake?.()
  })
  const base = Date.now() - 600_000
  for (let seq = 1; seq <= BATCHES; seq++) {
    while (sentAt.size >= WINDOW) await new Promise<void>((r) => (wake = r))
    const b = new MetricsBuilder()
    for (let k = 0; k < SAMPLES; k++) b.add({ name: 'bench_cluster', type: 'gauge', labels: { k: String(k % 10) } }, base + seq * 1000 + k, seq)
    sentAt.set(seq, performance.now())
    c.publish(topics.telemetry(id), Buffer.from(encodeBatch({ v: PROTOCOL_VERSION, dev: id, ep: `ep-${id}`, seq, at: Date.now(), m: b.build() })), { qos: 1 })
  }
  while (acked < BATCHES) await new Promise<void>((r) => (wake = r))
  await c.endAsync(true)
}

/** DEVICES devices spread over `hubs`: samples stored and acked per second, and the ack latencies. */
async function load(hubs: Hub[], tag: string): Promise<{ rate: number; p99: number; p50: number }> {
  const latencies: number[] = []
  const t = performance.now()
  await Promise.all(Array.from({ length: DEVICES }, (_, i) => device(`mqtt://127.0.0.1:${hubs[i % hubs.length].mqttPort}`, `${tag}-${i}`, latencies)))
  const seconds = (performance.now() - t) / 1000
  return { rate: (DEVICES * BATCHES * SAMPLES) / seconds, p99: percentile(latencies, 99), p50: percentile(latencies, 50) }
}

function newHub(dir: string, name: string, extra: { store?: string; cluster?: string }): Hub {
  return new Hub({ data: join(dir, name), host: '127.0.0.1', mqttPort: 0, httpPort: 0, insecure: true, maxBatchBytes: 1 << 20, compactInterval: 60_000, ...extra, log: () => {} })
}

export async function benchClusterHubs(dir: string): Promise<Record<string, number>> {
  mkdirSync(dir, { recursive: true })
  const redisPort = await freePort()
  const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] })
  await waitOutput(redis, /Ready to accept/, 'redis-server')
  const redisUrl = `redis://127.0.0.1:${redisPort}`
  const pg = await startPostgres(dir)
  const results: Record<string, number> = {}
  try {
    // One configuration at a time, each on a fresh store (devices' series new in each), the baselines first.
    const level = newHub(dir, 'level', {})
    await level.start()
    const l = await load([level], 'lvl')
    await level.stop()
    const solo = newHub(dir, 'pg-solo', { store: pg.url, cluster: redisUrl })
    await solo.start()
    const s = await load([solo], 'solo')
    await solo.stop()
    const a = newHub(dir, 'pg-a', { store: pg.url, cluster: redisUrl })
    const b = newHub(dir, 'pg-b', { store: pg.url, cluster: redisUrl })
    await a.start()
    await b.start()
    const two = await load([a, b], 'two')
    await Promise.allSettled([a.stop(), b.stop()])
    results[`samples/s, 1 hub LevelDB (${DEVICES} devices × ${BATCHES} batches × ${SAMPLES})`] = l.rate
    results['samples/s, 1 hub PostgreSQL'] = s.rate
    results['samples/s, 2 hubs PostgreSQL'] = two.rate
    results['samples/s, 2 hubs PG vs 1 hub PG'] = two.rate / s.rate
    results['ack p99 ms, 1 hub LevelDB'] = l.p99
    results['ack p99 ms, 1 hub PostgreSQL'] = s.p99
    results['ack p99 ms, 2 hubs PostgreSQL'] = two.p99
    results['ack p50 ms, 2 hubs PostgreSQL'] = two.p50
    return results
  } finally {
    redis.kill('SIGKILL')
    pg.child.kill('SIGINT')
  }
}
