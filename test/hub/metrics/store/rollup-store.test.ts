import { afterEach, describe, expect, it } from 'vitest'
import { runQuery } from '../../../../hub/metrics/query/aggregate.js'
import { executeQuery } from '../../../../hub/metrics/query/execute.js'
import type { QueryResult, QuerySpec } from '../../../../hub/metrics/query/types.js'
import { openSublevels } from '../../../../hub/metrics/store/keys.js'
import { makeBatch, type TestSample } from './batches.js'
import { makeLevelHarness, type LevelHarness } from './level-harness.js'

const T0 = Date.UTC(2024, 0, 1)
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const AGGS = ['avg', 'min', 'max', 'sum', 'count', 'last'] as const

/** Jittered 2 s samples of a decimal gauge and a counter with resets, on three devices, with gaps and a NaN. */
function dataset(from: number, to: number, seed: number): Map<string, TestSample[]> {
  let state = seed
  const random = () => (state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32
  const byDevice = new Map<string, TestSample[]>()
  for (const dev of ['dev-a', 'dev-b', 'dev-c']) {
    const samples: TestSample[] = []
    let gauge = 20
    let counter = 0
    for (let t = from + Math.floor(random() * 2_000); t < to; t += 2_000 + Math.floor(random() * 11) - 5) {
      if (random() < 0.002) t += Math.floor(random() * 40 * MINUTE) // a gap
      gauge += random() - 0.5
      counter = random() < 0.001 ? 0 : counter + Math.floor(random() * 1_000)
      samples.push({ name: 'temp', labels: { sensor: 'cpu' }, ts: t, value: random() < 0.0005 ? NaN : Math.round(gauge * 100) / 100 })
      samples.push({ name: 'temp', labels: { sensor: 'gpu' }, ts: t, value: Math.round(gauge * 3) / 4 })
      samples.push({ name: 'bytes', type: 'counter', ts: t, value: counter })
    }
    byDevice.set(dev, samples)
  }
  return byDevice
}

/** Equal answers: exact for min, max, count and last; sums and averages up to the rounding of another order. */
function expectSameAnswer(rolled: QueryResult, raw: QueryResult, agg: string, what: string): void {
  expect(rolled.series.map((s) => s.labels), what).toEqual(raw.series.map((s) => s.labels))
  rolled.series.forEach((series, i) => {
    const expected = raw.series[i].points
    expect(series.points.map(([t]) => t), what).toEqual(expected.map(([t]) => t))
    series.points.forEach(([, value], k) => {
      const want = expected[k][1]
      if ((agg === 'sum' || agg === 'avg') && Number.isFinite(want)) {
        expect(Math.abs(value - want), `${what} point ${k}`).toBeLessThanOrEqual(Math.abs(want) * 1e-12)
      } else {
        expect(value, `${what} point ${k}`).toBe(want)
      }
    })
  })
}

describe('LevelMetricStore rollups', () => {
  let harness: LevelHarness | undefined
  afterEach(async () => {
    await harness?.cleanup()
    harness = undefined
  })

  async function rollupRows(h: LevelHarness): Promise<string[]> {
    const keys: string[] = []
    for await (const key of openSublevels(h.db).rollups.keys()) keys.push(key)
    return keys
  }

  it('answer avg, min, max, sum, count and last as the raw samples do: chunks, a backfill and the head mixed', async () => {
    // 2 s data gets 1 min rollups only with a lower bar than the default: both widths are exercised.
    harness = await makeLevelHarness({ rollupMinSamples: 20 })
    const { store } = harness
    // 12 h of data: the first 8 h compacted, the rest left in the head.
    const data = dataset(T0, T0 + 12 * HOUR, 11)
    let seq = 0
    for (const [dev, samples] of data) {
      const early = samples.filter((s) => s.ts < T0 + 8 * HOUR)
      for (let i = 0; i < early.length; i += 4_000) await store.ingest(makeBatch({ dev, seq: ++seq, samples: early.slice(i, i + 4_000) }))
    }
    await store.compact(T0 + 8 * HOUR + 10 * MINUTE)
    // A late backfill into a compacted window, compacted on its own: a second chunk row there, too sparse for rollups.
    await store.ingest(makeBatch({ dev: 'dev-a', seq: ++seq, samples: [2, 3, 5].map((k) => ({ name: 'temp', labels: { sensor: 'cpu' }, ts: T0 + 2 * HOUR + k * 1_000 + 500, value: 90 + k })) }))
    await store.compact(T0 + 8 * HOUR + 10 * MINUTE)
    for (const [dev, samples] of data) {
      await store.ingest(makeBatch({ dev, seq: ++seq, samples: samples.filter((s) => s.ts >= T0 + 8 * HOUR) }))
    }
    expect(store.stats().headRows).toBeGreaterThan(0)
    expect((await rollupRows(harness)).length).toBeGreaterThan(0)

    const ranges = [
      { from: T0 - HOUR, to: T0 + DAY },
      { from: T0 + 17 * MINUTE + 13_000, to: T0 + 9 * HOUR + 3 * MINUTE + 7 }, // edges inside windows and buckets
    ]
    for (const name of ['temp', 'bytes']) {
      const series = await store.series({ name })
      for (const range of ranges) {
        for (const step of [MINUTE, 5 * MINUTE, HOUR, 3 * HOUR, DAY]) {
          // Rollups are really read: 1 min ones for minute steps (30 samples a minute), 1 h ones for hour steps.
          const rollups = await store.readRollups(series, range.from, range.to, step)
          expect(rollups?.[0].width, `step ${step}`).toBe(step % HOUR === 0 ? HOUR : MINUTE)
          for (const agg of AGGS) {
            for (const groupBy of [undefined, ['device'], []]) {
              const spec: QuerySpec = { ...range, step, agg, ...(groupBy ? { groupBy } : {}) }
              const rolled = await executeQuery(store, { selector: { name }, spec })
              const raw = runQuery(await store.read(series, range.from, range.to), spec)
              expect(raw.series.length).toBeGreaterThan(0)
              expectSameAnswer(rolled, raw, agg, `${name} ${agg} step=${step} groupBy=${groupBy} from=${range.from}`)
            }
          }
        }
      }
    }
  })

  it('are not used for steps no rollup width divides, sparse data, rate or percentiles', async () => {
    harness = await makeLevelHarness()
    const samples = Array.from({ length: 720 }, (_, k) => ({ name: 'slow', ts: T0 + k * 10_000, value: k }))
    await harness.store.ingest(makeBatch({ seq: 1, samples }))
    await harness.store.compact(T0 + DAY)
    const series = await harness.store.series({ name: 'slow' })
    expect(await harness.store.readRollups(series, T0, T0 + 2 * HOUR, 5 * MINUTE)).toBeUndefined() // 10 s data has no 1 min rollups
    expect(await harness.store.readRollups(series, T0, T0 + 2 * HOUR, 90 * MINUTE)).toBeUndefined()
    expect((await harness.store.readRollups(series, T0, T0 + 2 * HOUR, HOUR))?.[0].rollup.count[0]).toBe(360)
    const p95 = await executeQuery(harness.store, { selector: { name: 'slow' }, spec: { from: T0, to: T0 + 2 * HOUR, step: 2 * HOUR, agg: 'p95' } })
    expect(p95.series[0].points).toEqual([[T0, 719 * 0.95]])
  })

  it('survive a reopen, and retention drops them with their chunks', async () => {
    harness = await makeLevelHarness({ rollupMinSamples: 20 })
    const samples = Array.from({ length: 6 * 3_600 }, (_, k) => ({ name: 'fast', ts: T0 + k * 1_000, value: k % 97 }))
    await harness.store.ingest(makeBatch({ seq: 1, samples }))
    await harness.store.compact(T0 + DAY)
    // Three 2 h windows, each with a 1 min and a 1 h rollup row.
    expect(await rollupRows(harness)).toHaveLength(6)
    await harness.reopen()
    const series = await harness.store.series({ name: 'fast' })
    const rollups = await harness.store.readRollups(series, T0, T0 + 6 * HOUR - 1, HOUR)
    expect(Array.from(rollups?.[0].rollup.count ?? [])).toEqual(Array(6).fill(3_600))

    const pruned = await harness.store.prune(T0 + 4 * HOUR, MINUTE)
    expect(pruned.chunkRowsDeleted).toBe(1)
    expect(await rollupRows(harness)).toHaveLength(4)
    const after = await harness.store.readRollups(series, T0, T0 + 6 * HOUR - 1, HOUR)
    expect(Array.from(after?.[0].rollup.start ?? [])).toEqual([2, 3, 4, 5].map((h) => T0 + h * HOUR))
    await harness.reopen()
    expect(await rollupRows(harness)).toHaveLength(4)
  })

  it('reads and rollup reads during a compaction see every sample once, with cached rows of earlier compactions', async () => {
    harness = await makeLevelHarness({ compactBatchSamples: 2_000 })
    const { store } = harness
    const at = (k: number) => ({ name: 'fast', ts: T0 + k * 1_000, value: 1 })
    await store.ingest(makeBatch({ seq: 1, samples: Array.from({ length: 3 * 3_600 }, (_, k) => at(2 * k)) }))
    await store.compact(T0 + DAY)
    const series = await store.series({ name: 'fast' })
    await store.read(series, -Infinity, Infinity) // fills the row cache with the first chunks
    // Odd seconds into the same windows: every window gets a second chunk row, over several atomic writes.
    for (let seq = 2; seq <= 7; seq++) {
      await store.ingest(makeBatch({ seq, samples: Array.from({ length: 1_800 }, (_, k) => at(2 * ((seq - 2) * 1_800 + k) + 1)) }))
    }
    let compacting = true
    const compaction = store.compact(T0 + DAY).finally(() => (compacting = false))
    const counts = new Set<number>()
    let reads = 0
    while (compacting) {
      const [read] = await store.read(series, -Infinity, Infinity)
      const [rolled] = (await store.readRollups(series, T0 - HOUR, T0 + DAY, HOUR)) ?? []
      counts.add(read.ts.length)
      counts.add(Array.from(rolled.rollup.count).reduce((a, b) => a + b, 0))
      reads++
      // Reads answered from the cache resolve without an I/O turn: let the compaction's I/O callbacks run.
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect((await compaction).samples).toBe(6 * 1_800)
    expect(reads).toBeGreaterThan(1)
    expect(counts).toEqual(new Set([6 * 3_600]))
  })
})
