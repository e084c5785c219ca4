import { afterEach, describe, expect, it } from 'vitest'
import { encodeStored } from '../../../../hub/storage/stored-cbor.js'
import { makeBatch, samplesOf } from './batches.js'
import { makeLevelHarness, type LevelHarness } from './level-harness.js'
import { runMetricStoreSuite } from './metric-store.case.js'
import type { BatchStager } from '../../../../hub/storage/commit.js'

runMetricStoreSuite('LevelMetricStore', () => makeLevelHarness())

const T0 = Date.UTC(2024, 0, 1)
const HOUR = 3_600_000

describe('LevelMetricStore', () => {
  let harness: LevelHarness | undefined
  afterEach(async () => {
    await harness?.cleanup()
    harness = undefined
  })

  it('keeps every key in its own m- sublevels, beside other tables on the same database', async () => {
    harness = await makeLevelHarness()
    const devices = harness.db.sublevel<string, unknown>('devices', { valueEncoding: 'json' })
    await devices.put('dev-1', { name: 'kept' })
    await harness.store.ingest(makeBatch({ seq: 1, samples: samplesOf('up', { a: 'b' }, T0, 3, 1000) }))
    await harness.store.compact(T0 + 10 * HOUR)
    const prefixes = new Set<string>()
    for await (const key of harness.db.keys()) prefixes.add(key.slice(0, key.indexOf('!', 1) + 1))
    expect([...prefixes].sort()).toEqual(['!devices!', '!m-chunk!', '!m-dedup!', '!m-meta!', '!m-post!', '!m-series!'])
    expect(await devices.get('dev-1')).toEqual({ name: 'kept' })
  })

  it('compacts the oldest rows of an open window when the head is over its row limit', async () => {
    harness = await makeLevelHarness({ maxHeadRows: 4 })
    for (let seq = 1; seq <= 6; seq++) {
      await harness.store.ingest(makeBatch({ seq, samples: samplesOf('up', {}, T0 + seq * 1000, 2, 1) }))
    }
    // Nothing is in a closed window, yet 6 rows > 4: the oldest go until at most 2 remain.
    const result = await harness.store.compact(T0 + 60_000)
    expect(result).toMatchObject({ headRowsCompacted: 4, samples: 8, chunksWritten: 1 })
    expect(harness.store.stats()).toMatchObject({ headRows: 2, headSamples: 4, chunkRows: 1 })
    await harness.store.compact(T0 + 10 * HOUR)
    expect(harness.store.stats()).toMatchObject({ headRows: 0, chunkRows: 2 })
    const [read] = await harness.store.read(await harness.store.series({ name: 'up' }), T0, T0 + HOUR)
    expect(Array.from(read.values)).toEqual(Array.from({ length: 6 }, () => [0, 1]).flat())
    expect(Array.from(read.ts)).toEqual(Array.from({ length: 6 }, (_, i) => [T0 + (i + 1) * 1000, T0 + (i + 1) * 1000 + 1]).flat())
  })

  it('splits a large compaction into several atomic writes without losing samples', async () => {
    harness = await makeLevelHarness({ compactBatchSamples: 10 })
    for (let seq = 1; seq <= 5; seq++) {
      await harness.store.ingest(makeBatch({ seq, samples: samplesOf('up', {}, T0 + seq * 100, 6, 1, seq * 10) }))
    }
    const result = await harness.store.compact(T0 + 10 * HOUR)
    expect(result).toMatchObject({ headRowsCompacted: 5, samples: 30, chunksWritten: 3 })
    await harness.reopen()
    expect(harness.store.stats()).toMatchObject({ chunkRows: 3, headRows: 0 })
    const [read] = await harness.store.read(await harness.store.series({}), -Infinity, Infinity)
    expect(read.ts).toHaveLength(30)
  })

  it('reads during a compaction see every sample exactly once', async () => {
    harness = await makeLevelHarness({ compactBatchSamples: 50 })
    const store = harness.store
    for (let seq = 1; seq <= 40; seq++) {
      await store.ingest(makeBatch({ seq, samples: samplesOf('up', {}, T0 + seq * 1000, 25, 1) }))
    }
    const series = await store.series({ name: 'up' })
    let compacting = true
    const compaction = store.compact(T0 + 10 * HOUR).finally(() => (compacting = false))
    const counts: number[] = []
    while (compacting) {
      const [read] = await store.read(series, -Infinity, Infinity)
      counts.push(read.ts.length)
      // Reads answered from the cache resolve without an I/O turn: let the compaction's I/O callbacks run.
      await new Promise((resolve) => setImmediate(resolve))
    }
    expect((await compaction).headRowsCompacted).toBe(40)
    expect(counts.length).toBeGreaterThan(1)
    expect(new Set(counts)).toEqual(new Set([1000]))
  })

  it('keeps the window length it was created with', async () => {
    harness = await makeLevelHarness({ windowMs: HOUR })
    await harness.store.ingest(makeBatch({ seq: 1, samples: [{ name: 'up', ts: T0 + HOUR - 1, value: 1 }, { name: 'up', ts: T0 + HOUR, value: 2 }] }))
    expect((await harness.store.compact(T0 + 3 * HOUR)).chunksWritten).toBe(2)
    await expect(harness.reopen({ windowMs: 2 * HOUR })).rejects.toThrow(/windowMs 3600000/)
    const store = await harness.reopen({})
    const [read] = await store.read(await store.series({}), T0 + HOUR, T0 + HOUR)
    expect(Array.from(read.values)).toEqual([2])
  })

  it('writes participant rows in the same atomic batch, and none for a duplicate', async () => {
    harness = await makeLevelHarness()
    const h = harness
    const logs = () => h.db.sublevel<string, string>('logs', { valueEncoding: 'utf8' })
    const committed: number[] = []
    const participant: BatchStager = {
      stage(commit, batch) {
        commit.stage([{ type: 'put', sublevel: logs(), key: `seq-${batch.seq}`, value: 'log line' }])
        commit.onCommitted(() => committed.push(batch.seq))
      },
    }
    const store = await harness.reopen({ participants: [participant] })
    await store.ingest(makeBatch({ seq: 1 }))
    await store.ingest(makeBatch({ seq: 1 }))
    expect(await logs().keys().all()).toEqual(['seq-1'])
    expect(committed).toEqual([1])
  })

  it('stores nothing, not even the dedup mark, when the atomic write fails', async () => {
    harness = await makeLevelHarness()
    const failing: BatchStager = { stage: (commit) => commit.stage([{ type: 'put', key: undefined as unknown as string, value: 'x' }]) }
    const store = await harness.reopen({ participants: [failing] })
    await expect(store.ingest(makeBatch({ seq: 1, samples: samplesOf('up', {}, T0, 2, 1) }))).rejects.toThrow()
    expect(store.stats()).toMatchObject({ series: 0, headRows: 0 })
    const clean = await harness.reopen({})
    expect(clean.stats()).toMatchObject({ series: 0, headRows: 0 })
    expect(await clean.ingest(makeBatch({ seq: 1, samples: samplesOf('up', {}, T0, 2, 1) }))).toEqual({ duplicate: false, ackSeq: 1, samples: 2, storedRanges: [] })
  })

  it('leaves out samples whose corrected time cannot be stored', async () => {
    harness = await makeLevelHarness()
    const samples = [NaN, Infinity, T0, 1e300].map((ts, value) => ({ name: 'up', ts, value }))
    expect((await harness.store.ingest(makeBatch({ seq: 1, samples }))).samples).toBe(1)
    expect((await harness.store.ingest(makeBatch({ seq: 2, samples: [{ name: 'up', ts: T0, value: 9 }] }), { tsOffset: NaN })).samples).toBe(0)
    expect((await harness.store.ingest(makeBatch({ seq: 3 }))).ackSeq).toBe(3)
  })

  it('reads samples from before 1970 across the epoch', async () => {
    harness = await makeLevelHarness()
    const times = [-3 * HOUR - 1, -1, 0, 1]
    await harness.store.ingest(makeBatch({ seq: 1, samples: times.map((ts, value) => ({ name: 'up', ts, value })) }))
    await harness.store.compact(T0)
    expect(harness.store.stats().headRows).toBe(0)
    const [read] = await harness.store.read(await harness.store.series({}), -HOUR, HOUR)
    expect(Array.from(read.ts)).toEqual([-1, 0, 1])
  })

  it('refuses to ingest before open and after close', async () => {
    harness = await makeLevelHarness()
    await harness.store.close()
    await expect(harness.store.ingest(makeBatch({ seq: 1 }))).rejects.toThrow(/not open/)
    await harness.store.open()
    expect((await harness.store.ingest(makeBatch({ seq: 1 }))).ackSeq).toBe(1)
  })

  it('recognises a stored dedup mark written by an earlier process', async () => {
    harness = await makeLevelHarness()
    const dedup = harness.db.sublevel<string, Uint8Array>('m-dedup', { valueEncoding: 'view' })
    await dedup.put('dev-1\x00ep-1', encodeStored({ w: 4, r: [6, 7] }))
    const store = await harness.reopen()
    expect(await store.ingest(makeBatch({ seq: 7 }))).toMatchObject({ duplicate: true, ackSeq: 4 })
    expect((await store.ingest(makeBatch({ seq: 5 }))).ackSeq).toBe(7)
  })
})
