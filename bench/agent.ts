import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LevelBuffer } from '../agent/buffer/level-buffer.js'
import { encodeBody } from '../protocol/codec.js'
import { MetricsBuilder } from '../protocol/metrics-builder.js'
import { cpuSeconds, freePort, percentile, rssMiB, sleep, startOutpost, stopOutpost, until, type BenchProcess } from './processes.js'

// The agent on a small device (issue 19): resident memory and CPU of `outpost agent` with every system reading on
// (per-CPU too) at a 10 s interval, beside Debian's prometheus-node-exporter scraped every 10 s and a bare Node
// process, all in the same run on the same machine. OUTPOST_BENCH_AGENT_WINDOW sets the window (default 10m).

const BUNDLE = fileURLToPath(new URL('../outpost-agent.mjs', import.meta.url))
const NODE_EXPORTER = '/usr/bin/prometheus-node-exporter'
/** The V8 settings docs/agent.md recommends for a small device (and packaging/outpost-agent.service uses). */
export const SMALL_DEVICE_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=64', '--optimize-for-size', '--lite-mode', '--v8-pool-size=1']
/** The environment the systemd unit gives it: two libuv threads (and their malloc arenas) instead of four. */
export const SMALL_DEVICE_ENV = { UV_THREADPOOL_SIZE: '2' }
const BACKLOG_SAMPLES = 1_000_000
const SAMPLE_EVERY_MS = 10_000

interface Subject {
  name: string
  proc: BenchProcess
  cpuStart?: number
  rss: number[]
}

function spawnBench(cmd: string, args: string[], env: Record<string, string> = {}): BenchProcess {
  const child: ChildProcess = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  return { child, output: () => out, exited: new Promise((resolve) => child.once('exit', resolve)) }
}

/** Fills an agent data directory with a 1,000,000-sample backlog, written by the agent's own buffer code. */
async function fillBacklog(dir: string): Promise<void> {
  const buffer = new LevelBuffer(dir, { maxBytes: 256 * 1024 * 1024, policy: 'drop_oldest' })
  await buffer.open()
  const t0 = Date.now() - 86_400_000
  for (let batch = 0; batch < BACKLOG_SAMPLES / 5_000; batch++) {
    const b = new MetricsBuilder()
    for (let k = 0; k < 5_000; k++) {
      const step = batch * 100 + Math.floor(k / 50)
      b.addRaw('bench_load_ratio', 'gauge', { core: String(k % 50) }, t0 + step * 10_000, Math.round(Math.sin(step + k) * 1e4) / 1e4)
    }
    await buffer.append(encodeBody({ m: b.build()! }))
  }
  await buffer.close()
}

export async function benchAgent(dir: string, windowMs: number): Promise<Record<string, number> & { lines: string[] }> {
  mkdirSync(dir, { recursive: true })
  const config = join(dir, 'agent.yaml')
  writeFileSync(config, 'collectors:\n  system: {perCpu: true, temperature: true}\n')
  const [mqttPort, httpPort, deadPort, exporterPort] = [await freePort(), await freePort(), await freePort(), await freePort()]
  const hub = startOutpost(['hub', '--insecure', '--data', join(dir, 'hub'), '--host', '127.0.0.1', '--mqtt-port', String(mqttPort), '--http-port', String(httpPort), '--log-level', 'warning'])
  await until(() => fetch(`http://127.0.0.1:${httpPort}/readyz`).then((r) => (r.ok ? true : undefined), () => undefined), 60_000, 'hub ready')
  await fillBacklog(join(dir, 'backlog'))
  const agentArgs = (id: string, data: string, hubPort = mqttPort) =>
    ['--config', config, '--hub', `mqtt://127.0.0.1:${hubPort}`, '--id', id, '--data', data, '--interval', '10s', '--listen', '127.0.0.1:0', '--log-level', 'warning']
  const subjects: Subject[] = [
    { name: 'outpost agent (tsc build, no flags)', proc: startOutpost(['agent', ...agentArgs('bench-tsc', join(dir, 'a1'))]), rss: [] },
    { name: 'outpost-agent.mjs (bundle, no flags)', proc: spawnBench(process.execPath, [BUNDLE, ...agentArgs('bench-bundle', join(dir, 'a2'))]), rss: [] },
    { name: 'outpost-agent.mjs + small-device flags', proc: spawnBench(process.execPath, [...SMALL_DEVICE_FLAGS, BUNDLE, ...agentArgs('bench-small', join(dir, 'a3'))], SMALL_DEVICE_ENV), rss: [] },
    {
      name: '  same, hub down, 1 M-sample backlog',
      proc: spawnBench(process.execPath, [...SMALL_DEVICE_FLAGS, BUNDLE, ...agentArgs('bench-backlog', join(dir, 'backlog'), deadPort)], SMALL_DEVICE_ENV),
      rss: [],
    },
    { name: 'prometheus-node-exporter (scraped 10 s)', proc: spawnBench(NODE_EXPORTER, [`--web.listen-address=127.0.0.1:${exporterPort}`]), rss: [] },
    { name: 'bare node (setInterval)', proc: spawnBench(process.execPath, ['-e', 'setInterval(() => {}, 1e9)']), rss: [] },
  ]
  const lines: string[] = []
  try {
    // Warm-up: starts, first collections, connections; then the window.
    await sleep(30_000)
    for (const s of subjects) s.cpuStart = await cpuSeconds(s.proc.child.pid!)
    const started = Date.now()
    while (Date.now() - started < windowMs) {
      await fetch(`http://127.0.0.1:${exporterPort}/metrics`).then((r) => r.text(), () => '')
      for (const s of subjects) s.rss.push(await rssMiB(s.proc.child.pid!))
      await sleep(SAMPLE_EVERY_MS)
    }
    const seconds = (Date.now() - started) / 1000
    const out: Record<string, number> = { 'window s': seconds }
    for (const s of subjects) {
      const sorted = [...s.rss].sort((a, b) => a - b)
      const cpu = ((await cpuSeconds(s.proc.child.pid!)) - s.cpuStart!) / seconds * 100
      out[`${s.name.trim()} rss MiB`] = percentile(sorted, 0.5)
      out[`${s.name.trim()} cpu %`] = cpu
      lines.push(`  ${s.name.padEnd(42)} RSS median ${percentile(sorted, 0.5).toFixed(1).padStart(5)} MiB (max ${sorted.at(-1)!.toFixed(1).padStart(5)})  CPU ${cpu.toFixed(3)} % of a core`)
    }
    const exporter = out['prometheus-node-exporter (scraped 10 s) rss MiB']
    const small = out['outpost-agent.mjs + small-device flags rss MiB']
    lines.push(`  small-device agent vs node_exporter: RSS ${(small / exporter).toFixed(2)}×, CPU ${(out['outpost-agent.mjs + small-device flags cpu %'] / out['prometheus-node-exporter (scraped 10 s) cpu %']).toFixed(2)}×; backlog adds ${(out['same, hub down, 1 M-sample backlog rss MiB'] - small).toFixed(1)} MiB; bare Node is ${out['bare node (setInterval) rss MiB'].toFixed(1)} MiB`)
    return Object.assign(out, { lines })
  } finally {
    for (const s of subjects) await stopOutpost(s.proc, 5_000)
    await stopOutpost(hub)
  }
}
