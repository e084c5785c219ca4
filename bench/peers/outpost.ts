import { fileURLToPath } from 'node:url'
import { Level } from 'level'
import { PROTOCOL_VERSION, type WireMetrics, type WireSeries } from '../../protocol/batch.js'
import { decodeBatch, encodeBatch } from '../../protocol/codec.js'
import { LevelMetricStore } from '../../hub/metrics/store/index.js'
import { executeQuery, parseQueryParams, type QueryResult } from '../../hub/metrics/query/index.js'
import { dirBytes, settledBytes } from '../machine.js'
import { stopOutpost, until } from '../processes.js'
import { startBinary } from './process.js'
import { DATASET_SERIES_PER_DEVICE, timeBlocks, type Dataset } from '../dataset.js'
import { expectAtLeast, medianMs, QUERY_DEVICE, QUERY_METRIC, queryRange, type QueryAnswers, type QueryTimings } from './queries.js'
import type { PeerResult } from './result.js'
import { runPromql, type PromqlRun } from './promql.js'

// Outpost's side: the hub's LevelMetricStore in this process on a real LevelDB. Ingest starts from the CBOR
// bytes an agent sends (decode + validate + durable write with the dedup mark, as the hub's ingest does, minus
// MQTT); queries go through the hub's own /v1/metrics routes, served by a process of their own over the compacted
// store (outpost-server.ts), over HTTP on 127.0.0.1, as the peers' are.

/** Steps per device batch: 500 × 10 series = 5,000 samples, the size an agent's backfill batch has. */
const STEPS_PER_BATCH = 500
const SERVER = fileURLToPath(new URL('./outpost-server.js', import.meta.url))
const HOUR = 3_600_000
const DAY = 24 * HOUR

/** One CBOR telemetry batch per device and time block, as agents send them. */
function encodeBatches(dataset: Dataset): Uint8Array[][] {
  const rounds: Uint8Array[][] = []
  let seq = 0
  for (const { first, end } of timeBlocks(dataset, STEPS_PER_BATCH)) {
    seq++
    const round: Uint8Array[] = []
    for (let base = 0; base < dataset.series.length; base += DATASET_SERIES_PER_DEVICE) {
      const table: WireSeries[] = []
      for (let s = 0; s < DATASET_SERIES_PER_DEVICE; s++) {
        const { name, type, labels } = dataset.series[base + s]
        table.push([name, type, labels])
      }
      const m: WireMetrics = { s: table, i: [], t: [], v: [] }
      let prev = 0
      for (let step = first; step < end; step++) {
        for (let s = 0; s < DATASET_SERIES_PER_DEVICE; s++) {
          const ts = dataset.timestamp(base + s, step)
          m.i.push(s)
          m.t.push(ts - prev)
          m.v.push(dataset.values[base + s][step])
          prev = ts
        }
      }
      const dev = dataset.series[base].device
      round.push(encodeBatch({ v: PROTOCOL_VERSION, dev, ep: 'bench-peers', seq, at: prev, hist: true, m }))
    }
    rounds.push(round)
  }
  return rounds
}

export interface OutpostExtras {
  /** The PromQL queries over HTTP again: without the result cache, and (OUTPOST_PEERS_BASELINE) by another build. */
  promqlVariants: Array<{ label: string; run: PromqlRun }>
  compactSamplesPerSecond: number
  bytesPerSampleAtClose: number
  inProcess: QueryTimings
}

export async function benchOutpost(dataset: Dataset, dir: string): Promise<PeerResult & { extras: OutpostExtras }> {
  const rounds = encodeBatches(dataset)
  let db = new Level<string, any>(dir)
  await db.open()
  let store = new LevelMetricStore(db)
  await store.open()
  let ingestMs: number
  let compactMs: number
  try {
    const started = performance.now()
    // Devices send side by side; the store orders each device's batches itself.
    for (const round of rounds) await Promise.all(round.map((bytes) => store.ingest(decodeBatch(bytes))))
    ingestMs = performance.now() - started

    const compactStarted = performance.now()
    // A `now` a day past the data closes every window, as time passing would.
    const compaction = await store.compact(dataset.end + DAY)
    compactMs = performance.now() - compactStarted
    if (compaction.samples !== dataset.samples || store.stats().headRows !== 0) {
      throw new Error(`bench:peers: Outpost compaction moved ${compaction.samples} of ${dataset.samples} samples`)
    }
  } finally {
    await store.close()
    await db.close()
  }
  const closedBytes = await dirBytes(dir)
  const settled = await settledBytes(dir)

  const server = startBinary(process.execPath, [SERVER, dir, String(dataset.end)])
  let http: { timings: QueryTimings; answers: QueryAnswers }
  let promql: PromqlRun
  try {
    const port = await until(() => /listening (\d+)/.exec(server.output())?.[1], 30_000, 'Outpost query server')
    await warmHttpClient(`http://127.0.0.1:${port}/v1/metrics/names`, peerIngestRequests(dataset))
    const base = `http://127.0.0.1:${port}/v1/metrics/query`
    http = await runQueries(dataset, (params) => async () => {
      const res = await fetch(`${base}?${params}`)
      if (!res.ok) throw new Error(`bench:peers: Outpost query ${params} answered ${res.status}: ${await res.text()}`)
      return (await res.json()) as QueryResult
    })
    promql = await runPromql(dataset, `http://127.0.0.1:${port}/prometheus`, {}, server.child.pid)
  } finally {
    await stopOutpost(server)
  }
  const promqlVariants: OutpostExtras['promqlVariants'] = [{ label: 'without result cache', run: await promqlOn(dataset, SERVER, dir, ['0']) }]
  // Another build's query server on the same data (e.g. main's dist/bench/peers/outpost-server.js): before and after in one run.
  const baseline = process.env.OUTPOST_PEERS_BASELINE
  if (baseline) promqlVariants.push({ label: `baseline ${baseline}`, run: await promqlOn(dataset, baseline, dir, []) })

  // The same queries without HTTP and JSON, for reference: the engine's own share of the time.
  db = new Level<string, any>(dir)
  await db.open()
  store = new LevelMetricStore(db)
  await store.open()
  try {
    const local = await runQueries(dataset, (params) => () => executeQuery(store, parseQueryParams(new URLSearchParams(params), dataset.end)))
    return {
      system: 'Outpost',
      samplesPerSecond: dataset.samples / (ingestMs / 1000),
      bytesPerSample: settled / dataset.samples,
      queries: http.timings,
      answers: http.answers,
      promql,
      notes: [
        'ingest: CBOR batch bytes → decodeBatch → LevelMetricStore.ingest (durable write + dedup mark), in process, 100 devices side by side, 5,000-sample batches',
        `disk: LevelDB directory after full compaction and LevelDB compactRange (${(closedBytes / dataset.samples).toFixed(2)} B/sample right after close)`,
        'queries: the hub\'s /v1/metrics/query route (Hono, @hono/node-server) in a process of its own over the compacted store, over HTTP on 127.0.0.1, JSON answer parsed; ' +
          'PromQL rows: the hub\'s /prometheus API (hub/prometheus/) in the same process, the same strings as the peers; ' +
          `the HTTP client first sends as many requests to /v1/metrics/names as the peers\' ingest sent them (${peerIngestRequests(dataset)}), so every system's queries run on a warmed fetch`,
      ],
      extras: {
        compactSamplesPerSecond: dataset.samples / (compactMs / 1000),
        bytesPerSampleAtClose: closedBytes / dataset.samples,
        inProcess: local.timings,
        promqlVariants,
      },
    }
  } finally {
    await store.close()
    await db.close()
  }
}

/** The PromQL queries against a query server `script` started on `dir`, warmed as the main one is. */
async function promqlOn(dataset: Dataset, script: string, dir: string, args: string[]): Promise<PromqlRun> {
  const server = startBinary(process.execPath, [script, dir, String(dataset.end), ...args])
  try {
    const port = await until(() => /listening (\d+)/.exec(server.output())?.[1], 30_000, `Outpost query server ${script}`)
    await warmHttpClient(`http://127.0.0.1:${port}/v1/metrics/names`, peerIngestRequests(dataset))
    return await runPromql(dataset, `http://127.0.0.1:${port}/prometheus`, {}, server.child.pid)
  } finally {
    await stopOutpost(server)
  }
}

async function runQueries(dataset: Dataset, query: (params: string) => () => Promise<QueryResult>): Promise<{ timings: QueryTimings; answers: QueryAnswers }> {
  const { from, to } = queryRange(dataset)
  const range = `from=${from}&to=${to}`
  const one = `name=${QUERY_METRIC}&device=${QUERY_DEVICE}&${range}`
  const q1 = await medianMs(query(`${one}&step=1m&agg=avg`), (r) => expectAtLeast('Outpost q1 points', r.series[0]?.points.length ?? 0, 179))
  const q2 = await medianMs(query(`name=${QUERY_METRIC}&${range}&step=5m&agg=avg&groupBy=device`), (r) => expectAtLeast('Outpost q2 series', r.series.length, 100))
  const q3 = await medianMs(query(`${one}&step=${wholeRangeStep(from, to)}&agg=p95`), (r) => expectAtLeast('Outpost q3 points', r.series[0]?.points.length ?? 0, 1))
  return {
    timings: { q1: q1.ms, q2: q2.ms, q3: q3.ms },
    answers: { q1Points: q1.answer.series[0].points.length, q2Series: q2.answer.series.length, q3Value: q3.answer.series[0].points[0][1] },
  }
}

/**
 * The peers' queries run on an HTTP client (undici, behind fetch) warmed by the thousands of requests their ingest
 * sent, while Outpost ingests in process, so its queries would be this process's first fetch calls and pay for
 * undici's set-up and JIT (tens of ms at first, several ms per call for dozens of calls). The same number of plain
 * requests to a route that reads no samples brings the client to where the peers' is; the query path stays cold.
 */
async function warmHttpClient(url: string, requests: number): Promise<void> {
  for (let i = 0; i < requests; i++) {
    const res = await fetch(url)
    if (!res.ok) throw new Error(`bench:peers: Outpost ${url} answered ${res.status}`)
    await res.json()
  }
}

/** Requests each peer's ingest sends: 5,000 samples each (prometheus.ts, influxdb.ts). */
const peerIngestRequests = (dataset: Dataset) => Math.ceil(dataset.samples / 5_000)

/** A step whose one epoch-aligned bucket holds all of [from, to]: whole hours, the range starting on a day. */
function wholeRangeStep(from: number, to: number): number {
  const step = Math.ceil((to - from + 1) / HOUR) * HOUR
  if (Math.floor(from / step) !== Math.floor(to / step)) throw new Error(`bench:peers: no single ${step} ms bucket covers the range`)
  return step
}
