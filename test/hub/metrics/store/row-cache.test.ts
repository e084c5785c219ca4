import { afterEach, describe, expect, it } from 'vitest'
import { RowCache } from '../../../../hub/metrics/store/row-cache.js'
import { makeBatch, samplesOf } from './batches.js'
import { makeLevelHarness, type LevelHarness } from './level-harness.js'

const T0 = Date.UTC(2024, 0, 1)
const HOUR = 3_600_000

describe('RowCache', () => {
  it('keeps the most recently used rows within its byte budget', () => {
    const cache = new RowCache(1_000)
    cache.set('a', 'A', 300)
    cache.set('b', 'B', 300)
    expect(cache.get('a')).toBe('A') // a is now the most recently used
    cache.set('c', 'C', 300) // over budget: b, the least recently used, goes
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual(['A', undefined, 'C'])
    expect(cache.size).toBeLessThanOrEqual(1_000)
    cache.set('huge', 'H', 5_000) // larger than the whole budget: not kept, nothing evicted for it
    expect([cache.get('huge'), cache.get('a')]).toEqual([undefined, 'A'])
    cache.delete('a')
    expect(cache.get('a')).toBeUndefined()
  })
})

describe('LevelMetricStore row cache', () => {
  const harnesses: LevelHarness[] = []
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.cleanup()
  })

  it('answers as a store without it: repeated reads, a backfill into a cached window, retention', async () => {
    const stores = await Promise.all([makeLevelHarness(), makeLevelHarness({ rowCacheBytes: 0 })])
    harnesses.push(...stores)
    const reads: number[][][] = [[], []]
    for (const [i, { store }] of stores.entries()) {
      await store.ingest(makeBatch({ seq: 1, samples: samplesOf('up', {}, T0, 600, 20_000) }))
      await store.compact(T0 + 10 * HOUR)
      const series = await store.series({ name: 'up' })
      const read = async () => Array.from((await store.read(series, -Infinity, Infinity))[0].ts)
      reads[i].push(await read(), await read())
      await store.ingest(makeBatch({ seq: 2, samples: samplesOf('up', {}, T0 + 10_000, 3, 20_000, 1_000) }))
      reads[i].push(await read())
      await store.compact(T0 + 10 * HOUR)
      reads[i].push(await read())
      await store.prune(T0 + 3 * HOUR, HOUR)
      reads[i].push(await read())
    }
    expect(reads[0]).toEqual(reads[1])
    expect(reads[0].map((ts) => ts.length)).toEqual([600, 600, 603, 603, 600 - 360])
  })
})
