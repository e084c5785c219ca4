import { readdir, stat, writeFile } from 'node:fs/promises'
import { basename, join, sep } from 'node:path'
import { freePort, stopOutpost, until, type BenchProcess } from '../processes.js'
import type { Dataset } from '../dataset.js'
import { startBinary, untilHttp } from './process.js'
import { expectAtLeast, medianMs, QUERY_DEVICE, QUERY_METRIC, queryRange, type QueryAnswers, type QueryTimings } from './queries.js'
import type { PeerResult } from './result.js'

// InfluxDB 1.6 (Debian's package) fed line protocol through POST /write, batches of 5,000 points from parallel
// writers, as Telegraf does. One measurement per metric, tags `device` and the series' other labels, field
// `value`; whole-number series are written as integer fields (`123i`), the encoding InfluxDB compresses best.
// The config makes the cache snapshot and the full compaction happen after 1 s without writes instead of 10 min
// and 4 h; bytes per sample are the shard's TSM files (plus the series file's blocks in use) once the WAL is
// empty and the TSM file set has stopped changing, i.e. every compaction the planner wanted has run (a single
// generation written by one snapshot needs none).

const WRITERS = 4
const POINTS_PER_REQUEST = 5_000
const DB = 'bench'

interface InfluxResults {
  results: Array<{ error?: string; series?: Array<{ name: string; tags?: Record<string, string>; values: Array<[number, ...number[]]> }> }>
}

export async function benchInfluxdb(dataset: Dataset, dir: string): Promise<PeerResult> {
  const [httpPort, rpcPort] = [await freePort(), await freePort()]
  const config = join(dir, 'influxdb.conf')
  await writeFile(config, influxConfig(dir, httpPort, rpcPort))
  const bodies = encodeBodies(dataset)
  const url = `http://127.0.0.1:${httpPort}`
  const server = startBinary('influxd', ['-config', config])
  try {
    await untilHttp(server, `${url}/ping`, 'InfluxDB ready')
    await influxQuery(url, `CREATE DATABASE ${DB}`, 'POST')

    const started = performance.now()
    let next = 0
    await Promise.all(Array.from({ length: WRITERS }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]
        const res = await fetch(`${url}/write?db=${DB}&precision=ms`, { method: 'POST', body })
        if (res.status !== 204) throw new Error(`bench:peers: InfluxDB write answered ${res.status}: ${await res.text()}`)
      }
    }))
    const ingestMs = performance.now() - started

    const disk = await untilFullyCompacted(server, join(dir, 'data', DB), join(dir, 'wal', DB))
    const q = await runQueries(dataset, url)
    return {
      system: 'InfluxDB',
      samplesPerSecond: dataset.samples / (ingestMs / 1000),
      bytesPerSample: (disk.tsm + disk.seriesFile) / dataset.samples,
      queries: q.timings,
      answers: q.answers,
      notes: [
        `ingest: POST /write line protocol, precision=ms, ${WRITERS} parallel writers, ${POINTS_PER_REQUEST.toLocaleString('en')} points per request`,
        `disk: TSM files ${((disk.tsm) / dataset.samples).toFixed(2)} B/sample + series file ${(disk.seriesFile / dataset.samples).toFixed(2)} B/sample ` +
          '(blocks in use: its segments are sparse 4 MiB files) once the WAL was empty and the TSM files settled (cold after 1 s → cache snapshot, then any compaction); inmem index',
        'queries: InfluxQL through GET /query over HTTP (epoch=ms)',
      ],
    }
  } finally {
    await stopOutpost(server)
  }
}

function influxConfig(dir: string, httpPort: number, rpcPort: number): string {
  return `reporting-disabled = true
bind-address = "127.0.0.1:${rpcPort}"
[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false
[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  index-version = "inmem"
  query-log-enabled = false
  cache-snapshot-write-cold-duration = "1s"
  compact-full-write-cold-duration = "1s"
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  pprof-enabled = false
[logging]
  level = "warn"
  suppress-logo = true
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
`
}

/** Line protocol, 5,000 points per body, in time order across every series (as many collectors flush). */
function encodeBodies(dataset: Dataset): string[] {
  const prefixes = dataset.series.map(({ name, device, labels }) => {
    // Tags sorted by key, the order InfluxDB stores them in.
    const tags = Object.entries({ device, ...labels }).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${k}=${v.replace(/[ ,=]/g, '\\$&')}`)
    return `${name},${tags.join(',')} value=`
  })
  const bodies: string[] = []
  let lines: string[] = []
  for (let step = 0; step < dataset.steps; step++) {
    for (let k = 0; k < dataset.series.length; k++) {
      const value = dataset.values[k][step]
      lines.push(`${prefixes[k]}${value}${dataset.series[k].integer ? 'i' : ''} ${dataset.timestamp(k, step)}`)
      if (lines.length === POINTS_PER_REQUEST) {
        bodies.push(lines.join('\n'))
        lines = []
      }
    }
  }
  if (lines.length > 0) bodies.push(lines.join('\n'))
  return bodies
}

interface DiskUse {
  /** TSM files and fields.idx, apparent size. */
  tsm: number
  /** The database's series file (`_series`): its segments are preallocated sparse files, so blocks in use count. */
  seriesFile: number
}

/** Waits until the WAL holds no points and the TSM file set has stopped changing with no compaction in flight. */
async function untilFullyCompacted(server: BenchProcess, dataDir: string, walDir: string): Promise<DiskUse> {
  let last = ''
  let stableSince = Date.now()
  return until(async () => {
    if (server.child.exitCode !== null) throw new Error(`bench:peers: influxd exited:\n${server.output()}`)
    const files = await filesUnder(dataDir)
    const wal = await filesUnder(walDir)
    const walBytes = wal.filter((f) => f.path.endsWith('.wal')).reduce((sum, f) => sum + f.size, 0)
    const busy = files.some((f) => f.path.endsWith('.tmp')) || walBytes > 0 || !files.some((f) => f.path.endsWith('.tsm'))
    const state = files.filter((f) => f.path.endsWith('.tsm')).map((f) => `${basename(f.path)}:${f.size}`).sort().join(',')
    if (busy || state !== last) {
      last = state
      stableSince = Date.now()
      return undefined
    }
    // Full compaction starts after 1 s cold; a file set unchanged for 5 s has finished it.
    if (Date.now() - stableSince < 5_000) return undefined
    if (process.env.OUTPOST_PEERS_DEBUG) console.error(`InfluxDB TSM files: ${state}`)
    const inSeriesFile = (f: FileUse) => f.path.includes(`${sep}_series${sep}`)
    return {
      tsm: files.filter((f) => !inSeriesFile(f)).reduce((sum, f) => sum + f.size, 0),
      seriesFile: files.filter(inSeriesFile).reduce((sum, f) => sum + f.allocated, 0),
    }
  }, 120_000, 'InfluxDB cache snapshot and full compaction', 500)
}

interface FileUse {
  path: string
  size: number
  /** Bytes of disk blocks in use (st_blocks × 512). */
  allocated: number
}

async function filesUnder(dir: string): Promise<FileUse[]> {
  const out: FileUse[] = []
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])
  for (const entry of entries) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name)
    const st = await stat(path).catch(() => undefined)
    if (st) out.push({ path, size: st.size, allocated: st.blocks * 512 })
  }
  return out
}

async function influxQuery(url: string, q: string, method: 'GET' | 'POST' = 'GET'): Promise<InfluxResults['results'][number]> {
  const params = new URLSearchParams({ q, db: DB, epoch: 'ms' })
  const res = await fetch(`${url}/query?${params}`, { method })
  const body = (await res.json()) as InfluxResults
  const result = body.results?.[0]
  if (!res.ok || !result || result.error) throw new Error(`bench:peers: InfluxDB ${q} answered ${res.status}: ${JSON.stringify(body).slice(0, 300)}`)
  return result
}

async function runQueries(dataset: Dataset, url: string): Promise<{ timings: QueryTimings; answers: QueryAnswers }> {
  const { from, to } = queryRange(dataset)
  const where = `time >= ${from}ms AND time <= ${to}ms`
  const one = `FROM ${QUERY_METRIC} WHERE device = '${QUERY_DEVICE}' AND ${where}`
  const q1 = await medianMs(() => influxQuery(url, `SELECT mean(value) ${one} GROUP BY time(1m)`),
    (r) => expectAtLeast('InfluxDB q1 points', r.series?.[0]?.values.length ?? 0, 179))
  const q2 = await medianMs(() => influxQuery(url, `SELECT mean(value) FROM ${QUERY_METRIC} WHERE ${where} GROUP BY time(5m), device`),
    (r) => expectAtLeast('InfluxDB q2 series', r.series?.length ?? 0, 100))
  const q3 = await medianMs(() => influxQuery(url, `SELECT percentile(value, 95) ${one}`),
    (r) => expectAtLeast('InfluxDB q3 rows', r.series?.[0]?.values.length ?? 0, 1))
  return {
    timings: { q1: q1.ms, q2: q2.ms, q3: q3.ms },
    answers: { q1Points: q1.answer.series![0].values.length, q2Series: q2.answer.series!.length, q3Value: q3.answer.series![0].values[0][1] },
  }
}
