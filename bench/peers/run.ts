import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { machineLine } from '../machine.js'
import { buildDataset, DATASET_DEVICES } from '../dataset.js'
import { benchOutpost } from './outpost.js'
import { benchPrometheus } from './prometheus.js'
import { benchInfluxdb } from './influxdb.js'
import { benchVictoriaMetrics } from './victoria-metrics.js'
import { answerDifferences, CPU_CALLS, PROMQL_QUERIES, type PromqlRun } from './promql.js'
import { referenceP95 } from './queries.js'
import type { PeerResult } from './result.js'

// `npm run bench:peers`: Outpost beside Prometheus, InfluxDB and VictoriaMetrics on one dataset in one run (issues 4
// and 13). A peer that fails is reported as such and the others still print.
// OUTPOST_PEERS_ONLY=outpost,prometheus,influxdb,victoriametrics picks systems; OUTPOST_PEERS_BASELINE=PATH to another
// build's dist/bench/peers/outpost-server.js also times its PromQL answers on the same data (before/after in one run); OUTPOST_PEERS_WARMUP=N untimed calls before each query's 7 timed ones (default 1, every system
// alike); OUTPOST_PEERS_CPU_CALLS=N calls over which PromQL server CPU is counted (default 40); OUTPOST_PEERS_DEBUG=1 prints each timed call.

const ONLY = process.env.OUTPOST_PEERS_ONLY?.split(',').map((s) => s.trim().toLowerCase())
const fmt = (n: number, digits = 0) => n.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits })

type Row = { label: string; value: (r: PeerResult) => number; digits: number; higherIsBetter: boolean }
const ROWS: Row[] = [
  { label: 'ingest samples/s', value: (r) => r.samplesPerSecond, digits: 0, higherIsBetter: true },
  { label: 'disk bytes/sample', value: (r) => r.bytesPerSample, digits: 2, higherIsBetter: false },
  { label: 'q1 ms (1 series, 1m avg)', value: (r) => r.queries.q1, digits: 2, higherIsBetter: false },
  { label: 'q2 ms (avg by device, 5m)', value: (r) => r.queries.q2, digits: 2, higherIsBetter: false },
  { label: 'q3 ms (p95 of 1 series)', value: (r) => r.queries.q3, digits: 2, higherIsBetter: false },
]

async function main(): Promise<void> {
  const dataset = buildDataset()
  datasetForLabels = dataset
  const hours = (dataset.steps * dataset.intervalMs) / 3_600_000
  console.log(`Outpost beside its peers on ${machineLine()}`)
  console.log(`dataset: ${fmt(dataset.series.length)} series on ${DATASET_DEVICES} devices, ${dataset.intervalMs / 1000} s interval, ` +
    `${fmt(dataset.steps)} steps (${fmt(hours, 1)} h), ${fmt(dataset.samples)} samples\n`)

  const root = await mkdtemp(join(tmpdir(), 'outpost-peers-'))
  const results: PeerResult[] = []
  const failures: string[] = []
  let outpostInProcess = ''
  let outpostVariants: Array<{ label: string; run: PromqlRun }> = []
  try {
    const systems: Array<[string, (dir: string) => Promise<PeerResult>]> = [
      ['outpost', async (dir) => {
        const r = await benchOutpost(dataset, dir)
        outpostVariants = r.extras.promqlVariants
        const t = r.extras.inProcess
        outpostInProcess = `in process (executeQuery, no HTTP): q1 ${fmt(t.q1, 2)} ms, q2 ${fmt(t.q2, 2)} ms, q3 ${fmt(t.q3, 2)} ms; ` +
          `compaction ${fmt(r.extras.compactSamplesPerSecond)} samples/s`
        return r
      }],
      ['prometheus', (dir) => benchPrometheus(dataset, dir)],
      ['influxdb', (dir) => benchInfluxdb(dataset, dir)],
      ['victoriametrics', (dir) => benchVictoriaMetrics(dataset, dir)],
    ]
    for (const [name, run] of systems) {
      if (ONLY && !ONLY.includes(name)) continue
      const dir = join(root, name)
      await mkdir(dir)
      const started = performance.now()
      try {
        results.push(await run(dir))
        console.error(`bench:peers: ${name} done in ${fmt((performance.now() - started) / 1000, 1)} s`)
      } catch (err) {
        failures.push(`${name}: ${err instanceof Error ? err.message : String(err)}`)
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
  printTable(results, ROWS)
  printAnswers(results, referenceP95(dataset.values[0]))
  printPromql(results)
  printVariants(results, outpostVariants)
  for (const r of results) {
    console.log(`\n${r.system}:`)
    for (const note of r.notes) console.log(`  ${note}`)
    if (r.system === 'Outpost' && outpostInProcess) console.log(`  ${outpostInProcess}`)
  }
  if (failures.length > 0) {
    console.log('\nnot measured:')
    for (const f of failures) console.log(`  ${f}`)
    process.exitCode = 1
  }
}

/** The PromQL queries over HTTP, for the systems that speak PromQL (InfluxDB does not). */
function printPromql(all: PeerResult[]): void {
  const results = all.filter((r) => r.promql)
  if (results.length === 0) return
  console.log('\nPromQL over HTTP (the same query strings; q1–q3 as above, d1–d5 a Grafana fleet dashboard, 3 h at its step):')
  printTable(results, PROMQL_QUERIES.map((q) => ({ label: `${q.label} ms`, value: (r: PeerResult) => r.promql!.timings[q.name], digits: 2, higherIsBetter: false })))
  for (const q of PROMQL_QUERIES) console.log(`  ${q.name}: ${q.query(datasetForLabels!)}${q.instant ? ' (instant)' : ` (step ${q.step}s)`}`)
  const withCpu = results.filter((r) => r.promql!.cpuMs)
  if (withCpu.length > 0) {
    console.log(`\nPromQL server CPU ms per call (utime + stime of the server process, every thread, over ${CPU_CALLS} calls after the timed ones; less bent by a loaded machine than wall time):`)
    printTable(withCpu, PROMQL_QUERIES.map((q) => ({ label: `${q.name} CPU ms`, value: (r: PeerResult) => r.promql!.cpuMs![q.name], digits: 2, higherIsBetter: false })))
  }
  const outpost = results.find((r) => r.system === 'Outpost')
  const prometheus = results.find((r) => r.system === 'Prometheus')
  const vm = results.find((r) => r.system === 'VictoriaMetrics')
  if (outpost && prometheus) {
    const d = answerDifferences(outpost.promql!, prometheus.promql!, 1e-9)
    console.log(`answers: Outpost vs Prometheus ${d.length === 0 ? 'equal (last point of every series, relative 1e-9)' : `DIFFER: ${d.join('; ')}`}`)
  }
  if (outpost && vm) {
    const d = answerDifferences(outpost.promql!, vm.promql!, 1e-9)
    console.log(`answers: Outpost vs VictoriaMetrics ${d.length === 0 ? 'equal' : `differ where VictoriaMetrics' semantics do (no rate extrapolation, (t−r, t] windows): ${d.join('; ')}`}`)
  }
}

/** Outpost's PromQL figures without the result cache (and by a baseline build), beside the main row and the peers. */
function printVariants(all: PeerResult[], variants: Array<{ label: string; run: PromqlRun }>): void {
  const outpost = all.find((r) => r.system === 'Outpost')
  if (!outpost?.promql || variants.length === 0) return
  const peers = all.filter((r) => r.promql && r !== outpost)
  console.log('\nOutpost PromQL variants on the same data in this run (ms; ratios above 1: the variant is faster than the peer):')
  for (const v of variants) {
    const cells = PROMQL_QUERIES.map((q) => {
      const ms = v.run.timings[q.name]
      const ratios = peers.map((p) => `${fmt(p.promql!.timings[q.name] / ms, 2)}× ${p.system}`).join(', ')
      const cpu = v.run.cpuMs ? `, CPU ${fmt(v.run.cpuMs[q.name], 2)}` : ''
      return `${q.name} ${fmt(ms, 2)}${cpu}${ratios ? ` (${ratios})` : ''}`
    })
    console.log(`  ${v.label}: ${cells.join('; ')}`)
    const d = answerDifferences(v.run, outpost.promql, 1e-9)
    console.log(`    answers vs the main row: ${d.length === 0 ? 'equal' : `DIFFER: ${d.join('; ')}`}`)
  }
}

let datasetForLabels: ReturnType<typeof buildDataset> | undefined

function printTable(results: PeerResult[], rows: Row[]): void {
  const outpost = results.find((r) => r.system === 'Outpost')
  const peers = results.filter((r) => r !== outpost)
  const header = ['', ...results.map((r) => r.system), ...(outpost ? peers.map((p) => `vs ${p.system}`) : []), ...(outpost && peers.length > 1 ? ['vs faster peer'] : [])]
  const lines = [header]
  for (const row of rows) {
    const line = [row.label, ...results.map((r) => fmt(row.value(r), row.digits))]
    if (outpost) {
      // Ratios read as "Outpost is N× better" whichever way better points: above 1 means Outpost wins.
      const better = (peer: PeerResult) => (row.higherIsBetter ? row.value(outpost) / row.value(peer) : row.value(peer) / row.value(outpost))
      for (const peer of peers) line.push(`${fmt(better(peer), 2)}×`)
      if (peers.length > 1) {
        const best = peers.reduce((a, b) => (row.higherIsBetter ? (row.value(a) >= row.value(b) ? a : b) : (row.value(a) <= row.value(b) ? a : b)))
        line.push(`${fmt(better(best), 2)}× (${best.system})`)
      }
    }
    lines.push(line)
  }
  const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]?.length ?? 0)))
  for (const l of lines) console.log(l.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '))
  if (outpost && peers.length > 0) console.log('ratios: how many times better Outpost is (above 1: Outpost ahead; samples/s higher, bytes and ms lower)')
}

function printAnswers(results: PeerResult[], p95: number): void {
  console.log(`\nanswers (same questions, checked): exact p95 of q3's series ${fmt(p95, 4)}`)
  for (const r of results) {
    console.log(`  ${r.system.padEnd(11)} q1 ${r.answers.q1Points} points, q2 ${r.answers.q2Series} series, q3 p95 ${fmt(r.answers.q3Value, 4)}`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
