import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { dirBytes } from './machine.js'
import { cpuSeconds, rssMiB } from './processes.js'

const BIN = fileURLToPath(new URL('../cli/outpost.js', import.meta.url))
const TOKEN = 'bench-admin-token-0123456789abcdef'

export interface IngestBenchOptions {
  dir: string
  devices: number
  series: number
  interval: string
  backfill: string
}

export interface IngestBenchResult {
  samples: number
  seconds: number
  samplesPerSecond: number
  wireBytesPerSample: number
  diskBytesPerSample: number
  storedSamples: number
  compactedHeadRowsLeft: number
  queryOneSeriesDayMs: number
  queryFleetDayMs: number
  hubPeakRssMiB: number
  /** From the end of the burst until the compactor settled (it yields while telemetry streams in). */
  compactAfterSeconds: number
  /** CPU seconds per million samples while ingesting: what the figures cost, whatever else loads the machine. */
  simCpuSecondsPerMillion: number
  hubCpuSecondsPerMillion: number
}

/** Extra node flags for both processes, e.g. OUTPOST_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const NODE_FLAGS = (process.env.OUTPOST_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)

function start(args: string[]): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [...NODE_FLAGS, BIN, ...args], { env: { ...process.env, OUTPOST_ADMIN_TOKEN: TOKEN }, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  return { child, out: () => out, exited: new Promise((r) => child.once('exit', r)) }
}

async function until<T>(fn: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    const v = await fn()
    if (v !== undefined) return v
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`bench: timed out waiting for ${what}`)
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
  return m ? Number(m[1]) : NaN
}

async function timeQuery(url: string, runs = 7): Promise<number> {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } })
    const body = (await res.json()) as { series?: unknown[] }
    if (!res.ok || !body.series?.length) throw new Error(`bench query failed: ${res.status} ${JSON.stringify(body).slice(0, 200)}`)
    times.push(performance.now() - t)
  }
  times.sort((a, b) => a - b)
  return times[Math.floor(times.length / 2)]
}

/**
 * `outpost simulate --backfill` against an `outpost hub`, two processes as in production: ingest rate of
 * stored-and-acked samples, wire and disk bytes per sample, and one-day query latency.
 */
export async function benchIngest(o: IngestBenchOptions): Promise<IngestBenchResult> {
  const data = join(o.dir, 'hub')
  const hub = start(['hub', '--host', '127.0.0.1', '--mqtt-port', '0', '--http-port', '0', '--data', data, '--compact-interval', '1s', '--log-level', 'warning'])
  try {
    const ports = await until(() => /MQTT on 127\.0\.0\.1:(\d+), API on (\S+)/.exec(hub.out()) ?? undefined, 20_000, 'hub start')
    const api = ports[2]
    // A secured hub, as in production: simulate gives each device its own token through the API.
    const sim = start(['simulate', '--hub', `mqtt://127.0.0.1:${ports[1]}`, '--api', api, '--admin-token', TOKEN, '--devices', String(o.devices), '--series', String(o.series),
      '--interval', o.interval, '--backfill', o.backfill, '--json', 'true', '--log-level', 'error'])
    // Hub memory while it ingests at full speed (issue: under 500 MB).
    const hubCpuStart = await cpuSeconds(hub.child.pid!)
    let peakRss = 0
    const rssTimer = setInterval(() => void rssMiB(hub.child.pid!).then((mib) => (peakRss = Math.max(peakRss, mib || 0))), 200)
    const code = await sim.exited
    clearInterval(rssTimer)
    const hubCpu = (await cpuSeconds(hub.child.pid!)) - hubCpuStart
    if (code !== 0) throw new Error(`simulate failed (${code}): ${sim.out()}`)
    const report = JSON.parse(sim.out().trim().split('\n').pop()!) as {
      samples: number
      seconds: number
      samplesPerSecond: number
      wireBytesPerSample: number
      ackedBatches: number
      batches: number
      cpuSeconds: number
    }
    if (report.ackedBatches !== report.batches) throw new Error(`only ${report.ackedBatches}/${report.batches} batches acked`)

    // Let the compactor finish the closed windows before measuring disk and queries. It yields to the burst
    // (Hub.compactionYields), so wait for two runs after the burst and a head that no longer shrinks.
    const compactionsAtEnd = metric(await (await fetch(`${api}/metrics`)).text(), 'outpost_hub_compactions_total')
    const compactStart = performance.now()
    let last = -1
    const metricsText = await until(async () => {
      const text = await (await fetch(`${api}/metrics`)).text()
      const head = metric(text, 'outpost_hub_store_head_rows')
      const settled = head === last && metric(text, 'outpost_hub_compactions_total') >= compactionsAtEnd + 2
      last = head
      return settled ? text : undefined
    }, 120_000, 'compaction')
    const compactSeconds = (performance.now() - compactStart) / 1000
    const storedSamples = metric(metricsText, 'outpost_hub_samples_total')
    const q1 = await timeQuery(`${api}/v1/metrics/query?name=sim_temperature_celsius&device=sim-0001&label.series=0&from=-1d&step=1m`)
    const q2 = await timeQuery(`${api}/v1/metrics/query?name=sim_temperature_celsius&from=-1d&step=5m&groupBy=device`, 3)
    hub.child.kill('SIGTERM')
    await hub.exited
    return {
      samples: report.samples,
      seconds: report.seconds,
      samplesPerSecond: report.samplesPerSecond,
      wireBytesPerSample: report.wireBytesPerSample,
      diskBytesPerSample: (await dirBytes(data)) / report.samples,
      storedSamples,
      compactedHeadRowsLeft: metric(metricsText, 'outpost_hub_store_head_rows'),
      queryOneSeriesDayMs: q1,
      queryFleetDayMs: q2,
      hubPeakRssMiB: peakRss,
      compactAfterSeconds: compactSeconds,
      simCpuSecondsPerMillion: report.cpuSeconds / (report.samples / 1e6),
      hubCpuSecondsPerMillion: hubCpu / (report.samples / 1e6),
    }
  } finally {
    if (hub.child.exitCode === null) hub.child.kill('SIGKILL')
  }
}
