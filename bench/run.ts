import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import os from 'node:os'
import { machineLine } from './machine.js'
import { benchIngest } from './ingest.js'
import { benchNaiveRows, jsonWireBytesPerSample } from './baseline.js'
import { benchCodec } from './codec.js'
import { benchStore } from './store.js'
import { benchRollups } from './rollups.js'
import { benchQuery } from './query.js'
import { benchDrain } from './drain.js'
import { benchLogs } from './logs.js'
import { benchChunkCodec } from './chunk-codec.js'
import { benchTraces } from './traces.js'
import { benchSecurity } from './security.js'
import { benchBrokers } from './brokers.js'
import { benchClusterHubs } from './cluster-hubs.js'
import { benchAlertLatency, benchAlertThroughput } from './alerts.js'
import { benchConsole } from './console.js'
import { benchAgent } from './agent.js'
import ms from 'ms'
import { benchAudit } from './audit.js'
import { benchNab, defaultRoot } from './anomaly/nab.js'
import { benchAnomalyScale } from './anomaly/scale.js'
import { benchNotifyLatency, benchNotifyThroughput } from './notify.js'
import { fleetSection, sustainedSection } from './fleet-section.js'
import { benchClusterStore } from './cluster.js'

// `npm run bench`: figures, and ratios against baselines measured in the same run. Set OUTPOST_BENCH_BACKFILL
// (default 1d) and OUTPOST_BENCH_DEVICES / OUTPOST_BENCH_SERIES to change the ingest workload, and
// OUTPOST_BENCH_ONLY (e.g. `ingest,drain`) to run some sections: ingest codec chunks store rollups query drain logs traces security brokers cluster alerts audit anomaly notify fleet sustained console agent.
// OUTPOST_BENCH_AGENT_WINDOW (default 10m) is the agent section's measuring window.
// The fleet section (issue 15): OUTPOST_BENCH_FLEET_DEVICES (default 10000, or a list: 2000,5000,10000),
// OUTPOST_BENCH_FLEET_WINDOW (default 30s), OUTPOST_BENCH_FLEET_BASELINE (another build's dist/cli/outpost.js, run
// first at each size, its storm printed beside this build's). The sustained section (issue 15 item 7):
// OUTPOST_BENCH_SUSTAINED_DURATION (default 10m), OUTPOST_BENCH_SUSTAINED_DEVICES (default 1000, at 1 s: 20,000 samples/s).
// OUTPOST_BENCH_NODE_FLAGS passes node flags to the ingest section's hub and simulate processes (profiling:
// `--cpu-prof --cpu-prof-dir=/tmp/prof`).
// `npm run bench:peers` runs Outpost beside Prometheus and InfluxDB on one dataset (bench/peers/).
const ONLY = process.env.OUTPOST_BENCH_ONLY?.split(',').map((s) => s.trim())
const want = (section: string) => !ONLY || ONLY.includes(section)

const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-bench-'))
  try {
    console.log(`Outpost benchmarks on ${machineLine()}\n`)

    if (want('ingest')) await ingestSection(dir)
    if (want('codec')) {
      const codec = await benchCodec()
      console.log('codec (100,000-sample batch, in process):')
      for (const [k, v] of Object.entries(codec)) console.log(`  ${k.padEnd(28)} ${fmt(v, v < 100 ? 2 : 0)}`)
    }
    if (want('chunks')) {
      const chunks = await benchChunkCodec()
      console.log('\nchunk codec (Gorilla: delta-of-delta timestamps, XOR values, decimal scaling):')
      for (const [k, v] of Object.entries(chunks)) console.log(`  ${k.padEnd(40)} ${fmt(v, v < 100 ? 2 : 0)}`)
    }
    if (want('store')) {
      const store = await benchStore(join(dir, 'store'))
      console.log('\nstore (LevelMetricStore in process):')
      for (const [k, v] of Object.entries(store)) console.log(`  ${k.padEnd(28)} ${fmt(v, v < 100 ? 2 : 0)}`)
    }
    if (want('rollups')) {
      const rollups = await benchRollups(join(dir, 'rollups'))
      console.log('\nrollups (30 days of 10 s data, 1 h rollups, in process):')
      for (const [k, v] of Object.entries(rollups)) console.log(`  ${k.padEnd(44)} ${fmt(v, 2)}`)
    }
    if (want('query')) {
      const query = benchQuery()
      console.log('\nquery engine (in memory):')
      for (const [k, v] of Object.entries(query)) console.log(`  ${k.padEnd(28)} ${fmt(v, 1)}`)
    }
    if (want('drain')) await drainSection(dir)
    for (const [name, title, run] of [
      ['logs', 'logs (log stores through the hub store: blocks on BENCH_LOG_LINES lines, default 10 M; LevelDB rows beside on BENCH_LOG_BASELINE_LINES, default 1 M)', () => benchLogs(join(dir, 'logs'))],
      ['traces', 'traces (trace stores through the hub store: blocks on BENCH_TRACES traces of 10 spans, default 100,000; LevelDB rows beside on BENCH_TRACE_BASELINE_TRACES, default the same)', () => benchTraces(join(dir, 'traces'))],
      ['security', 'security (MQTT credentials, ACL and limits; baselines in the same run)', () => benchSecurity(join(dir, 'security'))],
      ['brokers', 'brokers joined through Redis (docs/cluster.md; a real redis-server, hubs in process, baselines in the same run)', () => benchBrokers(join(dir, 'brokers'))],
      ['cluster', 'hubs on one PostgreSQL store (docs/cluster.md): 2 hubs beside 1 hub on PostgreSQL and 1 on LevelDB, same run', () => benchClusterHubs(join(dir, 'cluster-hubs'))],
      ['audit', 'audit chain (1,000,000 records, checkpoint per 1,000; baseline: reading them unchecked)', () => benchAudit(join(dir, 'audit'))],
    ] as const) {
      if (!want(name)) continue
      console.log(`\n${title}:`)
      for (const [k, v] of Object.entries(await run())) console.log(`  ${k.padEnd(40)} ${fmt(v, v < 100 ? 2 : 0)}`)
    }
    if (want('alerts')) await alertsSection(dir)
    if (want('anomaly')) await anomalySection(dir)
    if (want('notify')) await notifySection(dir)
    if (want('fleet')) await fleetSection(dir)
    if (want('sustained')) await sustainedSection(dir)
    if (want('cluster')) {
      console.log(`\ncluster store: the metric store on LevelDB vs on PostgreSQL 15 (hub/storage/postgres/), in process, same run; load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs:`)
      console.log(`  ${'figure'.padEnd(32)} ${'LevelDB'.padStart(12)} ${'PostgreSQL'.padStart(12)}  PostgreSQL/LevelDB`)
      for (const [k, l, p] of await benchClusterStore(join(dir, 'cluster'))) console.log(`  ${k.padEnd(32)} ${fmt(l, l < 100 ? 2 : 0).padStart(12)} ${fmt(p, p < 100 ? 2 : 0).padStart(12)}  ${ratio(p, l)}`)
    }
    if (want('console')) {
      const load = os.loadavg()[0].toFixed(1)
      console.log(`\nconsole (headless chromium, hub in process; median of ${process.env.OUTPOST_BENCH_CONSOLE_RUNS ?? 5} cold loads; load average ${load} on ${os.cpus().length} CPUs):`)
      console.log(`  ${'figure'.padEnd(72)} ${'measured'.padStart(10)}  ${'goal'.padEnd(9)} baseline`)
      for (const [what, value, goal, baseline] of await benchConsole(join(dir, 'console'))) console.log(`  ${what.padEnd(72)} ${value.padStart(10)}  ${goal.padEnd(9)} ${baseline}`)
    }
    if (want('agent')) {
      const window = process.env.OUTPOST_BENCH_AGENT_WINDOW ?? '10m'
      console.log(`\nagent footprint: all system readings (per-CPU too) every 10 s, ${window} window after 30 s warm-up, RSS sampled every 10 s:`)
      const a = await benchAgent(join(dir, 'agent'), ms(window as ms.StringValue))
      for (const line of a.lines) console.log(line)
    }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

/** Issue 18: NAB scoring of the real detectors (OUTPOST_NAB_DIR, default ../shared/nab) and the 200,000-series run. */
async function anomalySection(dir: string): Promise<void> {
  console.log('\nanomaly: NAB (the real detector code, in time order, no look-ahead; NAB scoring reimplemented in bench/anomaly/):')
  for (const line of benchNab({ root: process.env.OUTPOST_NAB_DIR ?? defaultRoot() })) console.log(line)
  const n = Number(process.env.OUTPOST_BENCH_ANOMALY_SERIES ?? 200_000)
  console.log(`\nanomaly at scale (${fmt(n)} series selected, AnomalyService over LevelMetricStore, in process):`)
  for (const [k, v] of Object.entries(await benchAnomalyScale(join(dir, 'anomaly'), n))) console.log(`  ${k.padEnd(52)} ${fmt(v, v < 100 ? 3 : 0)}`)
}

async function ingestSection(dir: string): Promise<void> {
  {
    const devices = Number(process.env.OUTPOST_BENCH_DEVICES ?? 10)
    const series = Number(process.env.OUTPOST_BENCH_SERIES ?? 100)
    const backfill = process.env.OUTPOST_BENCH_BACKFILL ?? '1d'
    console.log(`ingest: outpost simulate --backfill ${backfill} --devices ${devices} --series ${series} --interval 10s → outpost hub (two processes)`)
    const ingest = await benchIngest({ dir: join(dir, 'ingest'), devices, series, interval: '10s', backfill })
    const naive = await benchNaiveRows(join(dir, 'naive'))
    const jsonWire = jsonWireBytesPerSample()
    console.log(`  samples stored and acked   ${fmt(ingest.samples)} in ${fmt(ingest.seconds, 1)} s (hub counted ${fmt(ingest.storedSamples)})`)
    console.log(`  ingest                     ${fmt(ingest.samplesPerSecond)} samples/s  | baseline one LevelDB row per sample ${fmt(naive.samplesPerSecond)}/s → ${ratio(ingest.samplesPerSecond, naive.samplesPerSecond)}`)
    console.log(`  wire                       ${fmt(ingest.wireBytesPerSample, 2)} B/sample   | baseline row-wise JSON ${fmt(jsonWire, 1)} B/sample → ${ratio(jsonWire, ingest.wireBytesPerSample)} smaller`)
    console.log(`  disk (hub data dir)        ${fmt(ingest.diskBytesPerSample, 2)} B/sample   | baseline one row per sample ${fmt(naive.diskBytesPerSample, 2)} B/sample → ${ratio(naive.diskBytesPerSample, ingest.diskBytesPerSample)} smaller`)
    console.log(`  head rows left uncompacted ${fmt(ingest.compactedHeadRowsLeft)} (the current window stays in the head)`)
    console.log(`  compaction after the burst ${fmt(ingest.compactAfterSeconds, 1)} s (${fmt(ingest.samples / ingest.compactAfterSeconds)} samples/s; it yields while telemetry streams in)`)
    console.log(`  hub peak RSS while ingesting ${fmt(ingest.hubPeakRssMiB, 1)} MiB`)
    console.log(`  CPU per million samples    simulate ${fmt(ingest.simCpuSecondsPerMillion, 3)} s, hub ${fmt(ingest.hubCpuSecondsPerMillion, 3)} s (user + system; holds under other load)`)
    console.log(`  query 1 series, 1 day, 1m step          ${fmt(ingest.queryOneSeriesDayMs, 1)} ms (median, over HTTP)`)
    console.log(`  query ${devices} devices avg, 1 day, 5m step   ${fmt(ingest.queryFleetDayMs, 1)} ms (median, over HTTP)\n`)
  }
}

async function alertsSection(dir: string): Promise<void> {
  console.log('\nalerts (hub in process; MQTT clients over loopback):')
  const l = await benchAlertLatency(join(dir, 'alerts-latency'))
  console.log(`  crossing sample → MQTT alert   p50 ${fmt(l['crossing → MQTT alert p50 ms'], 2)} ms, p99 ${fmt(l['crossing → MQTT alert p99 ms'], 2)} ms (${fmt(l.rounds)} rounds)`)
  console.log(`  baseline plain MQTT message    p50 ${fmt(l['plain MQTT message p50 ms'], 2)} ms, p99 ${fmt(l['plain MQTT message p99 ms'], 2)} ms (same clients, same broker) | alert vs plain p50 → ${ratio(l['crossing → MQTT alert p50 ms'], l['plain MQTT message p50 ms'])}`)
  const t = await benchAlertThroughput(join(dir, 'alerts-eval'))
  console.log(`  evaluation, ${fmt(t.rules)} rules over ${fmt(t.series)} series: ${fmt(t['evaluation samples/s'])} samples/s, ${fmt(t['rule evaluations/s'])} rule evaluations/s (${fmt(t['rule evaluations (observations)'])} evaluations, ${fmt(t['alert state changes written'])} alerts opened)`)
  console.log(`  baseline store ingest of the same batches ${fmt(t['store ingest samples/s (baseline)'])} samples/s | evaluation vs store → ${ratio(t['evaluation samples/s'], t['store ingest samples/s (baseline)'])}`)
}

async function notifySection(dir: string): Promise<void> {
  console.log('\nnotify (notifiers in process, local HTTP and SMTP receivers on loopback):')
  const t = await benchNotifyThroughput(join(dir, 'notify-queue'))
  for (const [channel, v] of Object.entries(t)) {
    console.log(`  ${channel.padEnd(10)} through the durable queue ${fmt(v.queued).padStart(6)} notifications/s | baseline same receiver, straight ${fmt(v.floor).padStart(6)}/s → ${ratio(v.queued, v.floor)}`)
  }
  const l = await benchNotifyLatency(join(dir, 'notify-latency'))
  const base = l.mqtt
  for (const [channel, v] of Object.entries(l)) {
    if (channel === 'mqtt') continue
    console.log(`  crossing → ${channel.padEnd(10)} p50 ${fmt(v.p50, 1).padStart(6)} ms, p99 ${fmt(v.p99, 1).padStart(6)} ms | baseline MQTT alert p50 ${fmt(base.p50, 1)} ms, p99 ${fmt(base.p99, 1)} ms → p50 ${ratio(v.p50, base.p50)}`)
  }
}

async function drainSection(dir: string): Promise<void> {
  {
    console.log('\ncatch-up: outpost agent buffers a 1,000,000-sample backlog (1,000 series × 1,000 s) while outpost hub is down, then the hub returns')
    const d = await benchDrain(join(dir, 'drain'))
    const latency = (p: string) => `p50 ${fmt(d[`${p} p50 ms`])} ms, p95 ${fmt(d[`${p} p95 ms`])} ms, max ${fmt(d[`${p} max ms`])} ms (${fmt(d[`${p} probes`])} probes, ${fmt(d[`${p} probes missing`])} missing)`
    console.log(`  backlog accepted by agent  ${fmt(d['ingest accept samples/s'])} samples/s (POST /v1/ingest, 5,000 samples per request, one client)`)
    console.log(`  drain, uncapped            ${fmt(d['drain samples/s'])} samples/s (${fmt(d['drain s'], 1)} s from reconnect; reconnect ${fmt(d['reconnect after hub start s'], 1)} s after hub start) | vs agent accept rate → ${ratio(d['drain samples/s'], d['ingest accept samples/s'])}`)
    console.log(`  drain, capped ${fmt(d['capped cap bytes/s'] / 1024 ** 2)} MiB/s      ${fmt(d['capped drain samples/s'])} samples/s (${fmt(d['capped drain s'], 1)} s) | vs uncapped → ${ratio(d['capped drain samples/s'], d['drain samples/s'])}`)
    console.log(`  hub samples stored         ${fmt(d['hub samples stored'])} (backlog + live probes of the drain)`)
    console.log(`  live, no backlog           ${latency('live baseline')}  (POST 200 → queryable on the hub)`)
    console.log(`  live, during drain         ${latency('live during drain')} | p95 vs no backlog → ${ratio(d['live during drain p95 ms'], d['live baseline p95 ms'])}`)
    console.log(`  live, during capped drain  ${latency('capped live during drain')} | p95 vs no backlog → ${ratio(d['capped live during drain p95 ms'], d['live baseline p95 ms'])}`)
    console.log(`  agent RSS idle             ${fmt(d['rss idle MiB'], 1)} MiB`)
    console.log(`  agent RSS holding backlog  ${fmt(d['rss holding backlog MiB'], 1)} MiB after accepting it | vs idle → ${ratio(d['rss holding backlog MiB'], d['rss idle MiB'])}`)
    console.log(`                             ${fmt(d['capped rss restarted holding backlog MiB'], 1)} MiB restarted with it | vs idle ${fmt(d['capped rss idle MiB'], 1)} MiB → ${ratio(d['capped rss restarted holding backlog MiB'], d['capped rss idle MiB'])}`)
    console.log(`  agent RSS during drain     peak ${fmt(d['rss peak during drain MiB'], 1)} MiB, after ${fmt(d['rss after drain MiB'], 1)} MiB (capped run, restarted agent: peak ${fmt(d['capped rss peak during drain MiB'], 1)} MiB)`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
