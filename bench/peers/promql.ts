import { readFile } from 'node:fs/promises'
import type { Dataset } from '../dataset.js'
import { expectAtLeast, medianMs, QUERY_DEVICE, QUERY_METRIC, queryRange } from './queries.js'

// The PromQL side of `npm run bench:peers` (issue 13): q1–q3 written in PromQL, and five queries of a Grafana
// fleet dashboard, asked as the same strings over HTTP of every system that speaks PromQL (Outpost's /prometheus,
// Prometheus, VictoriaMetrics). Each answer is checked for its shape, and answers are compared across systems.

export interface PromqlQuery {
  name: string
  label: string
  query: (dataset: Dataset) => string
  /** Instant query at the range's end (q3); otherwise a range query over the dataset at `step` seconds. */
  instant?: boolean
  step?: number
  /** Series the answer must have at least. */
  minSeries: number
}

const one = `${QUERY_METRIC}{device="${QUERY_DEVICE}"}`

export const PROMQL_QUERIES: PromqlQuery[] = [
  { name: 'q1', label: 'q1 PromQL (1 series, 1m avg)', query: () => `avg_over_time(${one}[1m])`, step: 60, minSeries: 1 },
  { name: 'q2', label: 'q2 PromQL (avg by device, 5m)', query: () => `avg by (device) (avg_over_time(${QUERY_METRIC}[5m]))`, step: 300, minSeries: 100 },
  {
    name: 'q3',
    label: 'q3 PromQL (p95 of 1 series)',
    query: (d) => `quantile_over_time(0.95, ${one}[${Math.ceil((queryRange(d).to - queryRange(d).from) / 1000) + 1}s])`,
    instant: true,
    minSeries: 1,
  },
  { name: 'd1', label: 'd1 CPU by device', query: () => 'avg by (device) (system_cpu_usage_ratio)', step: 60, minSeries: 100 },
  { name: 'd2', label: 'd2 rx rate by device', query: () => 'sum by (device) (rate(system_network_receive_bytes_total[5m]))', step: 60, minSeries: 100 },
  { name: 'd3', label: 'd3 memory used % fleet', query: () => '100 * avg(system_memory_used_bytes / system_memory_total_bytes)', step: 60, minSeries: 1 },
  { name: 'd4', label: 'd4 top 10 hottest', query: () => 'topk(10, max_over_time(system_temperature_celsius[5m]))', step: 300, minSeries: 10 },
  { name: 'd5', label: 'd5 p95 temperature fleet', query: () => 'quantile(0.95, system_temperature_celsius)', step: 60, minSeries: 1 },
]

interface PromSeries {
  metric: Record<string, string>
  values?: Array<[number, string]>
  value?: [number, string]
}

export interface PromqlRun {
  timings: Record<string, number>
  /** Per query: CPU ms the server process spent per call (CPU_CALLS more calls after the timed ones), when known. */
  cpuMs?: Record<string, number>
  /** Per query: labels → value at the last point, for comparing answers across systems. */
  answers: Record<string, Map<string, number>>
}

/**
 * Calls after the timed ones during which the server's CPU time is counted: on a loaded machine wall times mostly
 * measure the scheduler, CPU time per call much less so. /proc counts in 10 ms ticks, hence many calls: 40 give
 * ±0.25 ms per call; OUTPOST_PEERS_CPU_CALLS=N (every system alike) more for finer figures, and for a JIT's
 * warm-up to weigh less (Outpost's engine is compiled while its first queries run; Go's peers are compiled ahead).
 */
export const CPU_CALLS = Math.max(1, Number(process.env.OUTPOST_PEERS_CPU_CALLS ?? 40) || 40)

/** utime + stime of process `pid` (all its threads), ms; undefined where /proc is not there. */
async function cpuMs(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined
  try {
    const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ')
    return (Number(fields[11]) + Number(fields[12])) * 10
  } catch {
    return undefined
  }
}

/** Times every PromQL query against `base` (a Prometheus API root), medians of the shared runs; `pid`: its server's. */
export async function runPromql(dataset: Dataset, base: string, headers: Record<string, string> = {}, pid?: number): Promise<PromqlRun> {
  const { from, to } = queryRange(dataset)
  const seconds = (ms: number) => (ms / 1000).toFixed(3)
  const timings: Record<string, number> = {}
  const cpu: Record<string, number> = {}
  const answers: Record<string, Map<string, number>> = {}
  for (const q of PROMQL_QUERIES) {
    const params: Record<string, string> = q.instant ? { query: q.query(dataset), time: seconds(to) } : { query: q.query(dataset), start: seconds(from), end: seconds(to), step: String(q.step) }
    const path = q.instant ? '/api/v1/query' : '/api/v1/query_range'
    const ask = async () => {
      const res = await fetch(`${base}${path}?${new URLSearchParams(params)}`, { headers })
      const body = (await res.json()) as { status: string; data: { result: PromSeries[] } }
      if (!res.ok || body.status !== 'success') throw new Error(`bench:peers: ${base} ${q.name} answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`)
      return body.data.result
    }
    const r = await medianMs(ask, (result) => expectAtLeast(`${base} ${q.name} series`, result.length, q.minSeries))
    timings[q.name] = r.ms
    const before = await cpuMs(pid)
    if (before !== undefined) {
      for (let i = 0; i < CPU_CALLS; i++) await ask()
      cpu[q.name] = ((await cpuMs(pid))! - before) / CPU_CALLS
    }
    answers[q.name] = new Map(
      r.answer.map((s) => {
        const { __name__: _n, ...labels } = s.metric
        const last = s.value ?? s.values![s.values!.length - 1]
        return [JSON.stringify(Object.entries(labels).sort()), Number(last[1])]
      }),
    )
  }
  return { timings, answers, cpuMs: Object.keys(cpu).length > 0 ? cpu : undefined }
}

/** How far `ours` is from `theirs`: queries whose series or last values differ by more than `tolerance` (relative). */
export function answerDifferences(ours: PromqlRun, theirs: PromqlRun, tolerance: number): string[] {
  const out: string[] = []
  for (const q of PROMQL_QUERIES) {
    const a = ours.answers[q.name]
    const b = theirs.answers[q.name]
    if (!a || !b) continue
    if (q.name === 'd4') {
      // topk's members may differ between equal values: compare the sorted values only.
      const va = [...a.values()].sort()
      const vb = [...b.values()].sort()
      if (va.some((v, i) => Math.abs(v - vb[i]) > tolerance * Math.abs(vb[i]))) out.push(`${q.name}: values differ`)
      continue
    }
    if (a.size !== b.size) {
      out.push(`${q.name}: ${a.size} series vs ${b.size}`)
      continue
    }
    for (const [k, v] of a) {
      const w = b.get(k)
      if (w === undefined || Math.abs(v - w) > tolerance * Math.max(Math.abs(v), Math.abs(w))) {
        out.push(`${q.name}: ${k} ${v} vs ${w}`)
        break
      }
    }
  }
  return out
}
