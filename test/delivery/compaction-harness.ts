import mqtt from 'mqtt'
import { Level } from 'level'
import { PROTOCOL_VERSION } from '../../protocol/batch.js'
import { decodeAck, encodeBatch } from '../../protocol/codec.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { topics } from '../../protocol/topics.js'
import { LevelMetricStore } from '../../hub/metrics/store/index.js'
import { openSublevels } from '../../hub/metrics/store/keys.js'
import { spawnOutpost } from '../helpers/processes.js'
import { ADMIN, type HubProc } from './harness.js'

// Helpers for the compaction crash test: a backfill whose every sample is identifiable from its value alone,
// a hub started with small compaction steps, and readers of the stopped hub's LevelDB.

export const PROBE_NAME = 'compaction_probe'

/** Old samples only (every window long closed), so a compaction right after start has all of them to move. */
export interface BackfillPlan {
  devices: number
  seriesPerDevice: number
  samplesPerSeries: number
  intervalMs: number
  /** Timestamp of each series' first sample. */
  start: number
  /** Time steps per batch; a batch holds this many samples of every series of its device. */
  stepsPerBatch: number
}

export const deviceName = (d: number) => `compact-dev-${d}`
export const totalSamples = (p: BackfillPlan) => p.devices * p.seriesPerDevice * p.samplesPerSeries

/** Sample i of series s of device d has value k + 0.5 with k unique across the plan (0.5 keeps it a float). */
export function sampleValue(p: BackfillPlan, d: number, s: number, i: number): number {
  return (d * p.seriesPerDevice + s) * p.samplesPerSeries + i + 0.5
}

/** Publishes the whole plan (QoS 1, a window of batches in flight) and resolves once the hub acked every batch. */
export async function sendBackfill(mqttUrl: string, p: BackfillPlan, timeoutMs = 30_000): Promise<number> {
  const perDevice = await Promise.all(Array.from({ length: p.devices }, (_, d) => sendDevice(mqttUrl, p, d, timeoutMs)))
  return perDevice.reduce((a, b) => a + b, 0)
}

async function sendDevice(mqttUrl: string, p: BackfillPlan, d: number, timeoutMs: number): Promise<number> {
  const dev = deviceName(d)
  const ep = `backfill-${dev}`
  const client = await mqtt.connectAsync(mqttUrl, { clientId: dev, username: dev, reconnectPeriod: 0 })
  try {
    const total = Math.ceil(p.samplesPerSeries / p.stepsPerBatch)
    const acked = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${dev}: not every batch acked within ${timeoutMs} ms`)), timeoutMs)
      client.on('message', (_topic, payload) => {
        // The ack's seq is a watermark (DESIGN §3): every batch up to it is stored.
        if (decodeAck(payload).seq >= total) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    await client.subscribeAsync(topics.ack(dev), { qos: 1 })
    const inflight = new Set<Promise<unknown>>()
    for (let seq = 1; seq <= total; seq++) {
      const builder = new MetricsBuilder()
      const first = (seq - 1) * p.stepsPerBatch
      for (let i = first; i < Math.min(first + p.stepsPerBatch, p.samplesPerSeries); i++) {
        for (let s = 0; s < p.seriesPerDevice; s++) {
          builder.addRaw(PROBE_NAME, 'gauge', { s: String(s) }, p.start + i * p.intervalMs, sampleValue(p, d, s, i))
        }
      }
      const payload = encodeBatch({ v: PROTOCOL_VERSION, dev, ep, seq, at: Date.now(), m: builder.build() })
      const sent = client.publishAsync(topics.telemetry(dev), Buffer.from(payload), { qos: 1 })
      inflight.add(sent)
      void sent.finally(() => inflight.delete(sent))
      if (inflight.size >= 16) await Promise.race(inflight)
    }
    await Promise.all(inflight)
    await acked
    return total
  } finally {
    await client.endAsync()
  }
}

/** Starts `outpost hub` with compaction every `compactInterval` and test env hooks; resolves once its API is up. */
export async function startCompactingHub(data: string, mqttPort: number, compactInterval: string, env: Record<string, string> = {}): Promise<HubProc> {
  const proc = spawnOutpost(
    // Delivery, not auth, is under test: agents connect without provisioning (the topic ACL still applies).
    ['hub', '--insecure', '--host', '127.0.0.1', '--mqtt-port', String(mqttPort), '--http-port', '0', '--data', data, '--log-level', 'warning', '--compact-interval', compactInterval],
    { OUTPOST_ADMIN_TOKEN: ADMIN, ...env },
  )
  const m = await proc.waitFor(/API on (http:\/\/127\.0\.0\.1:\d+)/, 20_000)
  return Object.assign(proc, { api: m[1] })
}

/** The running hub's own view of its store, from `/metrics` (undefined while it does not answer). */
export async function hubStoreGauges(api: string): Promise<{ headRows: number; chunkRows: number } | undefined> {
  const text = await fetch(`${api}/metrics`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.text(), () => undefined)
  const head = text && /^outpost_hub_store_head_rows (\d+)$/m.exec(text)
  const chunks = text && /^outpost_hub_store_chunk_rows (\d+)$/m.exec(text)
  return head && chunks ? { headRows: Number(head[1]), chunkRows: Number(chunks[1]) } : undefined
}

/** Head and chunk rows in a stopped hub's database, counted key by key (not from the store's own counters). */
export async function countRows(hubData: string): Promise<{ headRows: number; chunkRows: number }> {
  const db = new Level<string, any>(hubData, { valueEncoding: 'json' })
  await db.open()
  try {
    const subs = openSublevels(db)
    let headRows = 0
    let chunkRows = 0
    for await (const _ of subs.head.keys()) headRows++
    for await (const _ of subs.chunks.keys()) chunkRows++
    return { headRows, chunkRows }
  } finally {
    await db.close()
  }
}

export interface SampleCheck {
  expected: number
  stored: number
  lost: number
  duplicated: number
  /** Samples whose value is not in the plan, or that sit in another series or at another time than sent. */
  misplaced: number
  /** Series whose hourly rollups (stored ones where written) do not add up to the same count and sum as the samples. */
  rollupMismatches: number
}

/** Reads every probe series of a stopped hub through LevelMetricStore and checks each planned sample is there once. */
export async function checkStoredSamples(hubData: string, p: BackfillPlan): Promise<SampleCheck> {
  const expected = totalSamples(p)
  const seen = new Uint8Array(expected)
  let stored = 0
  let misplaced = 0
  let rollupMismatches = 0
  const db = new Level<string, any>(hubData, { valueEncoding: 'json' })
  await db.open()
  const store = new LevelMetricStore(db)
  try {
    await store.open()
    const series = await store.series({ name: PROBE_NAME })
    const rollups = (await store.readRollups(series, -Infinity, Infinity, 3_600_000)) ?? []
    for (const samples of await store.read(series, -Infinity, Infinity)) {
      const rollup = rollups.find((r) => r.series.id === samples.series.id)?.rollup
      // Values are k + 0.5 for small k: every sum is exact, so the totals must match to the bit.
      if (rollup && (total(rollup.count) !== samples.values.length || total(rollup.sum) !== total(samples.values))) rollupMismatches++
      const d = Number(/^compact-dev-(\d+)$/.exec(samples.series.labels.device ?? '')?.[1] ?? NaN)
      const seriesNo = d * p.seriesPerDevice + Number(samples.series.labels.s)
      for (let j = 0; j < samples.values.length; j++) {
        stored++
        const k = samples.values[j] - 0.5
        const i = k - seriesNo * p.samplesPerSeries
        const inPlace = Number.isInteger(i) && i >= 0 && i < p.samplesPerSeries && samples.ts[j] === p.start + i * p.intervalMs
        if (!inPlace) misplaced++
        else if (seen[k] < 255) seen[k]++
      }
    }
  } finally {
    await store.close()
    await db.close()
  }
  let lost = 0
  let duplicated = 0
  for (const n of seen) {
    if (n === 0) lost++
    else duplicated += n - 1
  }
  return { expected, stored, lost, duplicated, misplaced, rollupMismatches }
}

function total(column: Float64Array): number {
  let sum = 0
  for (const value of column) sum += value
  return sum
}
