import { join } from 'node:path'
import { dirBytes } from '../machine.js'
import { freePort, stopOutpost, type BenchProcess } from '../processes.js'
import type { Dataset } from '../dataset.js'
import { REMOTE_WRITE_HEADERS } from './remote-write.js'
import { startBinary, untilHttp } from './process.js'
import { encodeShards, runQueries } from './prometheus.js'
import { runPromql } from './promql.js'
import type { PeerResult } from './result.js'

// VictoriaMetrics (Debian's victoria-metrics, single node) fed the same remote-write bodies as Prometheus, in the
// same parallel shards. Ingest counts until /internal/force_flush has made every sample searchable; disk is the
// data directory after force_flush and force_merge, once its size stops changing. Queries are the same PromQL
// strings over HTTP; its rollup result cache stays on, as deployed (a dashboard refresh hits it too).
// Note: its range windows are (t−r, t], Prometheus 2.x's [t−r, t]; its rate() does not extrapolate.

export async function benchVictoriaMetrics(dataset: Dataset, dir: string): Promise<PeerResult> {
  const data = join(dir, 'data')
  const shards = encodeShards(dataset)
  const server = await startVictoriaMetrics(data)
  try {
    const started = performance.now()
    await Promise.all(shards.map(async (bodies) => {
      for (const body of bodies) {
        const res = await fetch(`${server.url}/api/v1/write`, { method: 'POST', headers: REMOTE_WRITE_HEADERS, body })
        if (!res.ok) throw new Error(`bench:peers: VictoriaMetrics remote write answered ${res.status}: ${await res.text()}`)
      }
    }))
    await internal(server.url, 'force_flush')
    const ingestMs = performance.now() - started
    await internal(server.url, 'force_merge')
    const bytes = await settledSize(data)
    const queries = await runQueries(dataset, server.url, 'VictoriaMetrics')
    const promql = await runPromql(dataset, server.url, {}, server.process.child.pid)
    const version = await fetch(`${server.url}/api/v1/status/buildinfo`).then((r) => r.json() as Promise<{ data?: { version?: string } }>, () => undefined)
    return {
      system: 'VictoriaMetrics',
      samplesPerSecond: dataset.samples / (ingestMs / 1000),
      bytesPerSample: bytes / dataset.samples,
      queries: queries.timings,
      answers: queries.answers,
      promql,
      notes: [
        `version ${version?.data?.version ?? '(buildinfo not answered)'}; -retentionPeriod=100y, defaults otherwise (rollup result cache on)`,
        'ingest: POST /api/v1/write (the same protobuf + snappy bodies as Prometheus, 4 parallel shards) until GET /internal/force_flush returns',
        'disk: the -storageDataPath directory after /internal/force_flush and /internal/force_merge, once its size is stable',
        'queries: /api/v1/query_range and /api/v1/query over HTTP, the same PromQL strings as Prometheus',
      ],
    }
  } finally {
    await stopOutpost(server.process)
  }
}

async function startVictoriaMetrics(data: string): Promise<{ process: BenchProcess; url: string }> {
  const port = await freePort()
  const process = startBinary('victoria-metrics', [
    `-storageDataPath=${data}`,
    `-httpListenAddr=127.0.0.1:${port}`,
    // Retention counts back from today: the dataset's 2024 samples would be refused with the default month.
    '-retentionPeriod=100y',
    '-loggerLevel=ERROR',
  ])
  const url = `http://127.0.0.1:${port}`
  try {
    await untilHttp(process, `${url}/health`, 'VictoriaMetrics ready')
  } catch (err) {
    await stopOutpost(process)
    throw err
  }
  return { process, url }
}

async function internal(url: string, what: string): Promise<void> {
  const res = await fetch(`${url}/internal/${what}`)
  if (!res.ok) throw new Error(`bench:peers: VictoriaMetrics /internal/${what} answered ${res.status}: ${await res.text()}`)
}

/** The directory's size once it has not changed for three checks 500 ms apart (a merge finishes in the background), at most 60 s. */
async function settledSize(dir: string): Promise<number> {
  let last = -1
  let same = 0
  const deadline = performance.now() + 60_000
  while (performance.now() < deadline) {
    const size = await dirBytes(dir)
    same = size === last ? same + 1 : 0
    if (same >= 3) return size
    last = size
    await new Promise((r) => setTimeout(r, 500))
  }
  return last
}
