import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MetricStore, SeriesSelector } from '../../../../hub/metrics/store/types.js'
import { makeBatch, samplesOf, shuffled } from './batches.js'

/** Stores under test use the design's default window (2 h) and grace (5 min); the suite always passes `now`. */
export const SUITE_WINDOW_MS = 2 * 3_600_000
const GRACE_MS = 5 * 60_000
/** Midnight UTC: a window boundary. */
const T0 = Date.UTC(2024, 0, 1)
const W = SUITE_WINDOW_MS
/** A `now` at which every window up to and including [T0 + 2W, T0 + 3W) is closed and past its grace. */
const LATER = T0 + 3 * W + GRACE_MS + 1

export interface StoreHarness {
  store: MetricStore
  /** Closes the store (and its database) and opens it again from disk. */
  reopen(): Promise<MetricStore>
  cleanup(): Promise<void>
}

type Points = Array<[number, number]>

async function pointsOf(store: MetricStore, selector: SeriesSelector, from = -Infinity, to = Infinity): Promise<Points[]> {
  const results = await store.read(await store.series(selector), from, to)
  return results.map((r) => Array.from(r.ts, (t, k): [number, number] => [t, r.values[k]]))
}

export function runMetricStoreSuite(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`MetricStore conformance: ${name}`, () => {
    let harness: StoreHarness
    let store: MetricStore
    beforeEach(async () => {
      harness = await makeStore()
      store = harness.store
    })
    afterEach(async () => harness.cleanup())
    const reopen = async () => (store = await harness.reopen())

    it('reads back exactly what was ingested, with the device label added', async () => {
      const samples = [
        { name: 'temp_celsius', labels: { sensor: 'a' }, unit: 'celsius', ts: T0 + 1000, value: 21.5 },
        { name: 'temp_celsius', labels: { sensor: 'a' }, unit: 'celsius', ts: T0 + 2000, value: -3.25 },
        { name: 'requests_total', type: 'counter' as const, ts: T0 + 1500, value: 7 },
      ]
      const result = await store.ingest(makeBatch({ dev: 'pi-1', seq: 1, samples }))
      expect(result).toEqual({ duplicate: false, ackSeq: 1, samples: 3, storedRanges: [] })

      const [temp] = await store.series({ name: 'temp_celsius' })
      expect(temp).toMatchObject({ name: 'temp_celsius', type: 'gauge', unit: 'celsius', labels: { sensor: 'a', device: 'pi-1' } })
      const [counter] = await store.series({ name: 'requests_total' })
      expect(counter).toMatchObject({ type: 'counter', labels: { device: 'pi-1' } })
      const [read] = await store.read([temp], T0, T0 + W)
      expect(read.series.id).toBe(temp.id)
      expect(read.ts).toBeInstanceOf(Float64Array)
      expect(Array.from(read.ts)).toEqual([T0 + 1000, T0 + 2000])
      expect(Array.from(read.values)).toEqual([21.5, -3.25])
      expect(store.stats()).toMatchObject({ series: 2, headSamples: 3 })
    })

    it('stores a repeated (dev, ep, seq) once and acks it again', async () => {
      const batch = makeBatch({ seq: 1, samples: samplesOf('up', {}, T0, 3, 1000) })
      expect(await store.ingest(batch)).toEqual({ duplicate: false, ackSeq: 1, samples: 3, storedRanges: [] })
      expect(await store.ingest(batch)).toEqual({ duplicate: true, ackSeq: 1, samples: 0, storedRanges: [] })
      expect(await pointsOf(store, { name: 'up' })).toEqual([[[T0, 0], [T0 + 1000, 1], [T0 + 2000, 2]]])
    })

    it('holds the ack below a gap until the gap fills', async () => {
      const acks = []
      const ranges: Array<Array<[number, number]>> = []
      for (const seq of [1, 3, 2]) {
        const r = await store.ingest(makeBatch({ seq, samples: samplesOf('up', {}, T0 + seq, 1, 1) }))
        acks.push(r.ackSeq)
        ranges.push(r.storedRanges)
      }
      // Selective ack: seq 3, stored ahead of 2, is reported above the watermark until the gap fills.
      expect(ranges).toEqual([[], [[3, 3]], []])
      expect(acks).toEqual([1, 1, 3])
      expect((await store.ingest(makeBatch({ seq: 3 }))).duplicate).toBe(true)
    })

    it('acks a seq stored in a range beyond the 64 an ack carries, first time and as a duplicate', async () => {
      // 70 islands above a gap at 1 (a fragmented replay): seqs 3, 5, …, 141.
      for (let seq = 3; seq <= 141; seq += 2) await store.ingest(makeBatch({ seq }))
      const covers = (r: { ackSeq: number; storedRanges: Array<[number, number]> }, seq: number) =>
        seq <= r.ackSeq || r.storedRanges.some(([a, b]) => seq >= a && seq <= b)
      for (const seq of [141, 129, 3]) {
        const again = await store.ingest(makeBatch({ seq }))
        expect(again.duplicate).toBe(true)
        expect(covers(again, seq), `duplicate ${seq} acked`).toBe(true)
        expect(again.storedRanges.length).toBeLessThanOrEqual(64)
      }
      const fresh = await store.ingest(makeBatch({ seq: 144 }))
      expect(covers(fresh, 144)).toBe(true)
    })

    it('lets lo carry the ack past seqs the agent dropped', async () => {
      expect((await store.ingest(makeBatch({ seq: 1 }))).ackSeq).toBe(1)
      // The agent still holds 3 and up: 2 was acked or dropped, 3 is still on its way.
      expect((await store.ingest(makeBatch({ seq: 4, lo: 3 }))).ackSeq).toBe(2)
      expect((await store.ingest(makeBatch({ seq: 7, lo: 7 }))).ackSeq).toBe(7)
      expect(await store.ingest(makeBatch({ seq: 3 }))).toEqual({ duplicate: true, ackSeq: 7, samples: 0, storedRanges: [] })
      expect((await store.ingest(makeBatch({ seq: 8 }))).ackSeq).toBe(8)
    })

    it('keeps epochs of one device apart', async () => {
      expect((await store.ingest(makeBatch({ ep: 'a', seq: 1 }))).ackSeq).toBe(1)
      expect(await store.ingest(makeBatch({ ep: 'b', seq: 1 }))).toEqual({ duplicate: false, ackSeq: 1, samples: 0, storedRanges: [] })
      expect((await store.ingest(makeBatch({ ep: 'b', seq: 2 }))).ackSeq).toBe(2)
      expect((await store.ingest(makeBatch({ ep: 'a', seq: 3 }))).ackSeq).toBe(1)
    })

    it('adds tsOffset to every timestamp', async () => {
      await store.ingest(makeBatch({ seq: 1, samples: samplesOf('up', {}, T0, 2, 1000) }), { tsOffset: -250 })
      expect(await pointsOf(store, { name: 'up' })).toEqual([[[T0 - 250, 0], [T0 + 750, 1]]])
    })

    it('selects series by name, label and device; names are sorted and distinct', async () => {
      const sample = (name: string, labels: Record<string, string>) => ({ name, labels, ts: T0, value: 1 })
      await store.ingest(makeBatch({ dev: 'a', seq: 1, samples: [sample('zeta', { cpu: '0' }), sample('alpha', { cpu: '0' }), sample('alpha', { cpu: '1' })] }))
      await store.ingest(makeBatch({ dev: 'b', seq: 1, samples: [sample('alpha', { cpu: '0' }), sample('mid', {})] }))

      expect(await store.names()).toEqual(['alpha', 'mid', 'zeta'])
      const labelsOf = async (selector: SeriesSelector) => (await store.series(selector)).map((s) => `${s.name}${JSON.stringify(s.labels)}`).sort()
      expect(await labelsOf({ name: 'alpha' })).toEqual(['alpha{"cpu":"0","device":"a"}', 'alpha{"cpu":"0","device":"b"}', 'alpha{"cpu":"1","device":"a"}'])
      expect(await labelsOf({ name: 'alpha', labels: { cpu: '0' } })).toEqual(['alpha{"cpu":"0","device":"a"}', 'alpha{"cpu":"0","device":"b"}'])
      expect(await labelsOf({ labels: { device: 'b' } })).toEqual(['alpha{"cpu":"0","device":"b"}', 'mid{"device":"b"}'])
      expect(await labelsOf({ labels: { cpu: '0', device: 'a' } })).toEqual(['alpha{"cpu":"0","device":"a"}', 'zeta{"cpu":"0","device":"a"}'])
      expect(await labelsOf({ name: 'mid', labels: { cpu: '0' } })).toEqual([])
      expect(await labelsOf({ name: 'nope' })).toEqual([])
      expect(await store.series({})).toHaveLength(5)
    })

    it('a batch without metrics still moves the ack', async () => {
      await store.ingest(makeBatch({ seq: 2 }))
      expect(await store.ingest(makeBatch({ seq: 1 }))).toEqual({ duplicate: false, ackSeq: 2, samples: 0, storedRanges: [] })
    })

    it('keeps samples with equal timestamps in arrival order', async () => {
      const samples = [5, 6, 7].map((value) => ({ name: 'up', ts: T0, value }))
      await store.ingest(makeBatch({ seq: 1, samples }))
      expect(await pointsOf(store, { name: 'up' })).toEqual([[[T0, 5], [T0, 6], [T0, 7]]])
    })

    it('compaction moves closed windows to chunks and reads stay the same, also after reopening', async () => {
      // Two devices, three windows, batches out of time order.
      for (const dev of ['a', 'b']) {
        await store.ingest(makeBatch({ dev, seq: 1, samples: samplesOf('cpu', { core: '0' }, T0 + W, 30, 60_000, 100) }))
        await store.ingest(makeBatch({ dev, seq: 2, samples: samplesOf('cpu', { core: '0' }, T0, 30, 60_000) }))
        await store.ingest(makeBatch({ dev, seq: 3, samples: samplesOf('cpu', { core: '0' }, T0 + 2 * W + 1, 5, 1000, 200) }))
      }
      const before = await pointsOf(store, { name: 'cpu' })
      expect(before.map((points) => points.length)).toEqual([65, 65])
      expect(before[0].map(([t]) => t)).toEqual([...before[0].map(([t]) => t)].sort((x, y) => x - y))

      const result = await store.compact(LATER)
      expect(result).toMatchObject({ headRowsCompacted: 6, samples: 130 })
      expect(result.chunksWritten).toBeGreaterThanOrEqual(6)
      expect(store.stats()).toMatchObject({ headRows: 0, headSamples: 0 })
      expect(store.stats().chunkRows).toBeGreaterThanOrEqual(6)
      expect(await pointsOf(store, { name: 'cpu' })).toEqual(before)
      expect(await store.compact(LATER)).toEqual({ headRowsCompacted: 0, chunksWritten: 0, samples: 0 })

      await reopen()
      expect(await pointsOf(store, { name: 'cpu' })).toEqual(before)
      expect(store.stats()).toMatchObject({ series: 2, headRows: 0 })
    })

    it('leaves rows of a window that is still open (or in its grace) in the head', async () => {
      await store.ingest(makeBatch({ seq: 1, samples: samplesOf('up', {}, T0, 2, 1000) }))
      await store.ingest(makeBatch({ seq: 2, samples: samplesOf('up', {}, T0 + W + 10, 2, 1000) }))
      expect((await store.compact(T0 + W + GRACE_MS - 1)).headRowsCompacted).toBe(0)
      expect((await store.compact(T0 + W + GRACE_MS)).headRowsCompacted).toBe(1)
      expect(store.stats()).toMatchObject({ headRows: 1, headSamples: 2 })
      expect((await pointsOf(store, { name: 'up' }))[0]).toHaveLength(4)
    })

    it('merges late samples in the head with the chunks of their window', async () => {
      await store.ingest(makeBatch({ seq: 1, samples: [0, 2, 4].map((k) => ({ name: 'up', ts: T0 + k, value: k })) }))
      await store.compact(LATER)
      await store.ingest(makeBatch({ seq: 2, samples: [3, 1].map((k) => ({ name: 'up', ts: T0 + k, value: k })) }))
      const expected = [0, 1, 2, 3, 4].map((k) => [T0 + k, k])
      expect(await pointsOf(store, { name: 'up' })).toEqual([expected])
      await store.compact(LATER)
      expect(await pointsOf(store, { name: 'up' })).toEqual([expected])
    })

    it('splits samples that straddle a window boundary and reads across it', async () => {
      const boundary = T0 + W
      const samples = [boundary - 1, boundary, boundary + 1].map((ts, k) => ({ name: 'up', ts, value: k }))
      await store.ingest(makeBatch({ seq: 1, samples }))
      for (const phase of ['head', 'chunks']) {
        if (phase === 'chunks') expect((await store.compact(LATER)).chunksWritten).toBe(2)
        expect(await pointsOf(store, { name: 'up' })).toEqual([[[boundary - 1, 0], [boundary, 1], [boundary + 1, 2]]])
        expect(await pointsOf(store, { name: 'up' }, boundary, boundary)).toEqual([[[boundary, 1]]])
        expect(await pointsOf(store, { name: 'up' }, boundary - 1, boundary - 1)).toEqual([[[boundary - 1, 0]]])
      }
    })

    it('cuts a chunk at the query range, bounds included', async () => {
      await store.ingest(makeBatch({ seq: 1, samples: samplesOf('up', {}, T0, 100, 60_000) }))
      await store.compact(LATER)
      const points = (await pointsOf(store, { name: 'up' }, T0 + 10 * 60_000, T0 + 19 * 60_000))[0]
      expect(points.map(([, v]) => v)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19])
      expect(await pointsOf(store, { name: 'up' }, T0 + 30, T0 + 40)).toEqual([[]])
      expect(await pointsOf(store, { name: 'up' }, T0 + 5, T0 - 5)).toEqual([[]])
    })

    it('keeps head rows, series and dedup marks across a reopen without compaction', async () => {
      await store.ingest(makeBatch({ seq: 1, samples: samplesOf('up', { k: 'v' }, T0, 3, 1000) }))
      await store.ingest(makeBatch({ seq: 3, samples: samplesOf('up', { k: 'v' }, T0 + 3000, 1, 1000, 3) }))
      await reopen()
      expect(store.stats()).toMatchObject({ series: 1, headRows: 2, headSamples: 4 })
      expect(await store.ingest(makeBatch({ seq: 1 }))).toEqual({ duplicate: true, ackSeq: 1, samples: 0, storedRanges: [[3, 3]] })
      expect(await store.ingest(makeBatch({ seq: 3 }))).toMatchObject({ duplicate: true, ackSeq: 1 })
      expect((await store.ingest(makeBatch({ seq: 2 }))).ackSeq).toBe(3)
      expect(await pointsOf(store, { labels: { k: 'v', device: 'dev-1' } })).toEqual([[0, 1, 2, 3].map((k) => [T0 + k * 1000, k])])
      await store.ingest(makeBatch({ seq: 4, samples: samplesOf('up', { k: 'v' }, T0 + 4000, 1, 1000, 4) }))
      expect(store.stats().series).toBe(1)
    })

    it('orders concurrent ingests of one device: every sample once, ack reaches the last seq', async () => {
      const seqs = shuffled(Array.from({ length: 50 }, (_, i) => i + 1), 7)
      const results = await Promise.all([
        ...seqs.map((seq) => store.ingest(makeBatch({ seq, samples: samplesOf('up', {}, T0 + seq * 1000, 2, 1) }))),
        ...seqs.slice(0, 10).map((seq) => store.ingest(makeBatch({ seq, samples: samplesOf('up', {}, T0 + seq * 1000, 2, 1) }))),
        ...seqs.map((seq) => store.ingest(makeBatch({ dev: 'other', seq, samples: samplesOf('up', {}, T0 + seq * 1000, 1, 1) }))),
      ])
      expect(results.slice(0, 50).every((r) => !r.duplicate)).toBe(true)
      expect(results.slice(50, 60).every((r) => r.duplicate && r.ackSeq === 50)).toBe(true)
      expect(Math.max(...results.slice(0, 50).map((r) => r.ackSeq))).toBe(50)
      const [points] = await pointsOf(store, { labels: { device: 'dev-1' } })
      expect(points).toHaveLength(100)
      expect(points.map(([t]) => t)).toEqual(Array.from({ length: 50 }, (_, i) => [T0 + (i + 1) * 1000, T0 + (i + 1) * 1000 + 1]).flat())
      expect(await pointsOf(store, { labels: { device: 'other' } })).toEqual([expect.any(Array)])
      expect((await store.ingest(makeBatch({ dev: 'other', seq: 51 }))).ackSeq).toBe(51)
    })
  })
}
