import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { dirBytes } from '../machine.js'
import { freePort, stopOutpost, type BenchProcess } from '../processes.js'
import type { Dataset } from '../dataset.js'
import { encodeWriteRequest, REMOTE_WRITE_HEADERS, type RemoteSeries } from './remote-write.js'
import { startBinary, untilHttp } from './process.js'
import { expectAtLeast, medianMs, QUERY_DEVICE, QUERY_METRIC, queryRange, type QueryAnswers, type QueryTimings } from './queries.js'
import type { PeerResult } from './result.js'
import { runPromql, PROMQL_QUERIES, type PromqlRun } from './promql.js'

// Prometheus 2.42 (Debian's package) fed through its remote-write receiver, as a Prometheus agent or any
// remote-write client would: series sharded over parallel senders, each shard in time order (the head refuses
// out-of-order samples), about 5,000 samples per request. Bytes per sample are those of the blocks a TSDB
// snapshot writes (the head compacted into blocks: chunks, index, meta); queries run over HTTP twice, on the live
// head right after ingest and on a server restarted on the snapshot's blocks, and the faster of the two counts.

/** Parallel senders, as remote-write's own shards; each owns every SHARDS-th series. */
const SHARDS = 4
const SAMPLES_PER_REQUEST = 5_000

interface PromMatrix {
  status: string
  data: { resultType: string; result: Array<{ metric: Record<string, string>; values?: Array<[number, string]>; value?: [number, string] }> }
}

export async function benchPrometheus(dataset: Dataset, dir: string): Promise<PeerResult> {
  const tsdb = join(dir, 'tsdb')
  const config = join(dir, 'prometheus.yml')
  // No scrape targets: a self-scrape would write samples at today's time and make the dataset's too old to accept.
  await writeFile(config, 'global:\n  scrape_interval: 1m\nscrape_configs: []\n')
  const shards = encodeShards(dataset)

  let server = await startPrometheus(config, tsdb)
  let ingestMs: number
  let head: { timings: QueryTimings; answers: QueryAnswers }
  let headPromql: PromqlRun
  let snapshotDir: string
  try {
    const started = performance.now()
    await Promise.all(shards.map(async (bodies) => {
      for (const body of bodies) {
        const res = await fetch(`${server.url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body })
        if (!res.ok) throw new Error(`bench:peers: Prometheus remote write answered ${res.status}: ${await res.text()}`)
      }
    }))
    ingestMs = performance.now() - started
    head = await runQueries(dataset, server.url)
    headPromql = await runPromql(dataset, server.url, {}, server.process.child.pid)

    const res = await fetch(`${server.url}/api/v1/admin/tsdb/snapshot`, { method: 'POST' })
    const body = (await res.json()) as { data?: { name?: string } }
    if (!res.ok || !body.data?.name) throw new Error(`bench:peers: Prometheus snapshot answered ${res.status}: ${JSON.stringify(body)}`)
    snapshotDir = join(tsdb, 'snapshots', body.data.name)
  } finally {
    await stopOutpost(server.process)
  }
  const blockBytes = await dirBytes(snapshotDir)
  const blocks = (await readdir(snapshotDir)).length

  server = await startPrometheus(config, snapshotDir)
  let onBlocks: { timings: QueryTimings; answers: QueryAnswers }
  let blocksPromql: PromqlRun
  try {
    onBlocks = await runQueries(dataset, server.url)
    blocksPromql = await runPromql(dataset, server.url, {}, server.process.child.pid)
  } finally {
    await stopOutpost(server.process)
  }
  const fmt = (t: QueryTimings) => `${t.q1.toFixed(1)} / ${t.q2.toFixed(1)} / ${t.q3.toFixed(1)} ms`
  return {
    system: 'Prometheus',
    samplesPerSecond: dataset.samples / (ingestMs / 1000),
    bytesPerSample: blockBytes / dataset.samples,
    queries: {
      q1: Math.min(head.timings.q1, onBlocks.timings.q1),
      q2: Math.min(head.timings.q2, onBlocks.timings.q2),
      q3: Math.min(head.timings.q3, onBlocks.timings.q3),
    },
    answers: onBlocks.answers,
    promql: {
      answers: blocksPromql.answers,
      timings: Object.fromEntries(PROMQL_QUERIES.map((q) => [q.name, Math.min(headPromql.timings[q.name], blocksPromql.timings[q.name])])),
      cpuMs: headPromql.cpuMs && blocksPromql.cpuMs ? Object.fromEntries(PROMQL_QUERIES.map((q) => [q.name, Math.min(headPromql.cpuMs![q.name], blocksPromql.cpuMs![q.name])])) : undefined,
    },
    notes: [
      `ingest: POST /api/v1/write (protobuf WriteRequest, snappy), ${SHARDS} parallel shards in time order, ${SAMPLES_PER_REQUEST.toLocaleString('en')} samples per request`,
      `disk: the ${blocks} block(s) of a TSDB snapshot (POST /api/v1/admin/tsdb/snapshot: head written as blocks), WAL not counted`,
      `queries: /api/v1/query_range and /api/v1/query over HTTP; q1/q2/q3 on the head ${fmt(head.timings)}, on the snapshot's blocks after a restart ${fmt(onBlocks.timings)}; the faster counts (PromQL rows too)`,
    ],
  }
}

async function startPrometheus(config: string, tsdb: string): Promise<{ process: BenchProcess; url: string }> {
  const port = await freePort()
  const process = startBinary('prometheus', [
    `--config.file=${config}`,
    `--storage.tsdb.path=${tsdb}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--web.enable-remote-write-receiver',
    '--web.enable-admin-api',
    // Retention counts back from the newest block, not from today; keep everything regardless.
    '--storage.tsdb.retention.time=100y',
    '--log.level=warn',
  ])
  const url = `http://127.0.0.1:${port}`
  try {
    await untilHttp(process, `${url}/-/ready`, 'Prometheus ready')
  } catch (err) {
    await stopOutpost(process)
    throw err
  }
  return { process, url }
}

/** Request bodies per shard, in time order: each request holds a run of steps of the shard's series. */
export function encodeShards(dataset: Dataset): Array<Array<Uint8Array<ArrayBuffer>>> {
  const shards: Array<Array<Uint8Array<ArrayBuffer>>> = []
  for (let shard = 0; shard < SHARDS; shard++) {
    const members = dataset.series.map((_, k) => k).filter((k) => k % SHARDS === shard)
    const stepsPerRequest = Math.max(1, Math.floor(SAMPLES_PER_REQUEST / members.length))
    const bodies: Array<Uint8Array<ArrayBuffer>> = []
    for (let first = 0; first < dataset.steps; first += stepsPerRequest) {
      const end = Math.min(dataset.steps, first + stepsPerRequest)
      const series: RemoteSeries[] = members.map((k) => {
        const { name, device, labels } = dataset.series[k]
        const samples = []
        for (let step = first; step < end; step++) samples.push({ value: dataset.values[k][step], timestamp: dataset.timestamp(k, step) })
        return { labels: { __name__: name, device, ...labels }, samples }
      })
      bodies.push(encodeWriteRequest(series))
    }
    shards.push(bodies)
  }
  return shards
}

export async function runQueries(dataset: Dataset, url: string, who = 'Prometheus'): Promise<{ timings: QueryTimings; answers: QueryAnswers }> {
  const { from, to } = queryRange(dataset)
  const seconds = (ms: number) => (ms / 1000).toFixed(3)
  const get = (path: string, params: Record<string, string>) => async () => {
    const res = await fetch(`${url}${path}?${new URLSearchParams(params)}`)
    const body = (await res.json()) as PromMatrix
    if (!res.ok || body.status !== 'success') throw new Error(`bench:peers: ${who} ${path} answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`)
    return body.data.result
  }
  const range = { start: seconds(from), end: seconds(to) }
  const one = `${QUERY_METRIC}{device="${QUERY_DEVICE}"}`
  // avg_over_time over the step is the per-bucket average Outpost's agg=avg and InfluxDB's mean() compute.
  const q1 = await medianMs(get('/api/v1/query_range', { query: `avg_over_time(${one}[1m])`, ...range, step: '60' }),
    (r) => expectAtLeast(`${who} q1 points`, r[0]?.values?.length ?? 0, 179))
  const q2 = await medianMs(get('/api/v1/query_range', { query: `avg by (device) (avg_over_time(${QUERY_METRIC}[5m]))`, ...range, step: '300' }),
    (r) => expectAtLeast(`${who} q2 series`, r.length, 100))
  const window = `${Math.ceil((to - from) / 1000) + 1}s`
  const q3 = await medianMs(get('/api/v1/query', { query: `quantile_over_time(0.95, ${one}[${window}])`, time: seconds(to) }),
    (r) => expectAtLeast(`${who} q3 results`, r.length, 1))
  return {
    timings: { q1: q1.ms, q2: q2.ms, q3: q3.ms },
    answers: { q1Points: q1.answer[0].values!.length, q2Series: q2.answer.length, q3Value: Number(q3.answer[0].value![1]) },
  }
}
