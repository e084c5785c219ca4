import { afterEach, describe, expect, it } from 'vitest'
import { makeBatch, samplesOf } from './batches.js'
import { makeLevelHarness, type LevelHarness } from './level-harness.js'

const T0 = Date.UTC(2024, 0, 1) // a multiple of the 2 h window
const HOUR = 3_600_000
const DAY = 24 * HOUR

describe('LevelMetricStore.prune (retention)', () => {
  let harness: LevelHarness | undefined
  afterEach(async () => {
    await harness?.cleanup()
    harness = undefined
  })

  const readAll = async (h: LevelHarness) => {
    const [read] = await h.store.read(await h.store.series({ name: 'up' }), -Infinity, Infinity)
    return Array.from(read.ts)
  }

  it('deletes chunk windows that ended before now − retention, keeps the straddling window whole and the rest', async () => {
    harness = await makeLevelHarness()
    // One sample every 30 min for 8 h: windows T0, T0+2h, T0+4h, T0+6h, 4 samples each.
    await harness.store.ingest(makeBatch({ seq: 1, samples: samplesOf('up', { a: 'b' }, T0, 16, HOUR / 2) }))
    await harness.store.compact(T0 + DAY)
    expect(harness.store.stats()).toMatchObject({ chunkRows: 4, headRows: 0 })

    // Cutoff T0 + 3 h: window T0 is wholly before it; window T0+2h straddles it and stays, samples before 3 h included.
    const result = await harness.store.prune(T0 + 3 * HOUR + 30 * DAY, 30 * DAY)
    expect(result).toEqual({ chunkRowsDeleted: 1, headRowsDeleted: 0 })
    expect(harness.store.stats()).toMatchObject({ chunkRows: 3 })
    expect(await readAll(harness)).toEqual(Array.from({ length: 12 }, (_, k) => T0 + 2 * HOUR + (k * HOUR) / 2))

    // A cutoff exactly at a window's end removes it; the count survives a reopen.
    expect((await harness.store.prune(T0 + 6 * HOUR + 30 * DAY, 30 * DAY)).chunkRowsDeleted).toBe(2)
    await harness.reopen()
    expect(harness.store.stats()).toMatchObject({ chunkRows: 1 })
    expect(await readAll(harness)).toEqual([0, 1, 2, 3].map((k) => T0 + 6 * HOUR + (k * HOUR) / 2))
  })

  it('deletes head rows whose every sample is older than the cutoff, and only those', async () => {
    harness = await makeLevelHarness()
    await harness.store.ingest(makeBatch({ seq: 1, samples: samplesOf('up', {}, T0, 2, 1000) }))
    await harness.store.ingest(makeBatch({ seq: 2, samples: samplesOf('up', {}, T0 + HOUR - 1000, 2, 1000) }))
    await harness.store.ingest(makeBatch({ seq: 3, samples: samplesOf('up', {}, T0 + 2 * HOUR, 1, 1000) }))
    expect(await harness.store.prune(T0 + HOUR, 2 * HOUR)).toEqual({ chunkRowsDeleted: 0, headRowsDeleted: 0 })
    // Cutoff T0 + 1 h: row 1 is wholly before it, row 2 straddles it (kept whole), row 3 is after it.
    expect(await harness.store.prune(T0 + HOUR + DAY, DAY)).toEqual({ chunkRowsDeleted: 0, headRowsDeleted: 1 })
    expect(harness.store.stats()).toMatchObject({ headRows: 2, headSamples: 3 })
    expect(await readAll(harness)).toEqual([T0 + HOUR - 1000, T0 + HOUR, T0 + 2 * HOUR])
    await harness.reopen()
    expect(harness.store.stats()).toMatchObject({ headRows: 2 })
    // Compaction afterwards still finds every listed row.
    await harness.store.compact(T0 + DAY)
    expect(await readAll(harness)).toEqual([T0 + HOUR - 1000, T0 + HOUR, T0 + 2 * HOUR])
  })

  it('prunes every series, in several atomic writes, and leaves dedup marks alone', async () => {
    harness = await makeLevelHarness()
    const samples = ['a', 'b', 'c'].flatMap((host) => samplesOf('up', { host }, T0, 12, HOUR))
    await harness.store.ingest(makeBatch({ seq: 1, samples }))
    await harness.store.compact(T0 + 2 * DAY)
    expect(harness.store.stats().chunkRows).toBe(18)
    const result = await harness.store.prune(T0 + 12 * HOUR, 2 * HOUR)
    expect(result.chunkRowsDeleted).toBe(15)
    for (const read of await harness.store.read(await harness.store.series({ name: 'up' }), -Infinity, Infinity)) {
      expect(Array.from(read.ts)).toEqual([T0 + 10 * HOUR, T0 + 11 * HOUR])
    }
    // The batch is still known: a resend is a duplicate, not new data.
    expect((await harness.store.ingest(makeBatch({ seq: 1, samples }))).duplicate).toBe(true)
  })

  it('scans chunks again only when the cutoff enters a new window; a late backfill goes then', async () => {
    harness = await makeLevelHarness()
    await harness.store.ingest(makeBatch({ seq: 1, samples: samplesOf('up', {}, T0, 1, 1) }))
    await harness.store.compact(T0 + DAY)
    expect((await harness.store.prune(T0 + 3 * HOUR, HOUR)).chunkRowsDeleted).toBe(1)
    // A backfill into the pruned window T0, compacted after the pass.
    await harness.store.ingest(makeBatch({ seq: 2, samples: samplesOf('up', {}, T0 + HOUR, 1, 1) }))
    await harness.store.compact(T0 + DAY)
    // Same cutoff window (T0+2h): the head is checked, the chunk keys are not scanned.
    expect(await harness.store.prune(T0 + 3 * HOUR + 30 * 60_000, HOUR)).toEqual({ chunkRowsDeleted: 0, headRowsDeleted: 0 })
    expect(await readAll(harness)).toEqual([T0 + HOUR])
    // The cutoff reaches window T0+2h's end: the scan runs and takes the backfill too.
    expect((await harness.store.prune(T0 + 5 * HOUR, HOUR)).chunkRowsDeleted).toBe(1)
    expect(await readAll(harness)).toEqual([])
  })

  it('refuses a retention that is not positive', async () => {
    harness = await makeLevelHarness()
    await expect(harness.store.prune(T0, 0)).rejects.toThrow(/retentionMs/)
  })
})
