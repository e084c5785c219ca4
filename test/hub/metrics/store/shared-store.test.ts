import { afterEach, describe, expect, it } from 'vitest'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { LevelMetricStore } from '../../../../hub/metrics/store/index.js'
import { makeBatch, samplesOf } from './batches.js'

// Two hubs' metric stores over one database, as two hubs over one PostgreSQL store (docs/cluster.md, "Caches over a
// shared store"); the same database handle stands in for the shared backend, the caches under test are the stores'.

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 0, 1)

async function sharedPair() {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-shared-store-'))
  const db = new Level<string, any>(dir)
  await db.open()
  let now = T0 + HOUR
  const clock = () => now
  const make = (slot: number, syncEveryMs = 0) => new LevelMetricStore(db, { clock, compactGraceMs: 0, shared: { slot: () => slot, syncEveryMs } })
  const a = make(1)
  const b = make(2)
  await a.open()
  await b.open()
  const others: LevelMetricStore[] = []
  return {
    a,
    b,
    setNow: (t: number) => (now = t),
    /** A third hub that looks at the store only at open and when a read finds a listed row gone. */
    async lazy() {
      const c = make(3, 3_600_000)
      await c.open()
      others.push(c)
      return c
    },
    async cleanup() {
      for (const c of others) await c.close()
      await a.close()
      await b.close()
      await db.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

async function values(store: LevelMetricStore, device: string): Promise<number[]> {
  const series = await store.series({ name: 'temp', labels: { device } })
  const read = await store.read(series, T0 - HOUR, T0 + 10 * HOUR)
  return read.flatMap((s) => [...s.values])
}

describe('metric store shared by two hubs', () => {
  let cleanup: (() => Promise<void>) | undefined
  afterEach(async () => {
    await cleanup?.()
    cleanup = undefined
  })

  it('ids from separate slots; each hub reads what the other wrote; a device moving keeps one series and no duplicate', async () => {
    const pair = await sharedPair()
    cleanup = pair.cleanup
    const { a, b } = pair
    // dev-1 on hub A, dev-2 on hub B, the same metric name and labels but for the device.
    await a.ingest(makeBatch({ dev: 'dev-1', seq: 1, samples: samplesOf('temp', { room: 'x' }, T0, 10, 1000, 0) }))
    await b.ingest(makeBatch({ dev: 'dev-2', seq: 1, samples: samplesOf('temp', { room: 'x' }, T0, 10, 1000, 100) }))
    const idA = (await a.series({ labels: { device: 'dev-1' } }))[0].id
    const idB = (await b.series({ labels: { device: 'dev-2' } }))[0].id
    expect(idA >>> 24).toBe(1)
    expect(idB >>> 24).toBe(2)

    // Either hub answers for both devices.
    for (const store of [a, b]) {
      expect(await values(store, 'dev-1')).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
      expect(await values(store, 'dev-2')).toEqual([100, 101, 102, 103, 104, 105, 106, 107, 108, 109])
    }

    // dev-1 moves to hub B and resends its batch 1 (unacked) then sends batch 2.
    await b.takeDevice('dev-1')
    expect((await b.ingest(makeBatch({ dev: 'dev-1', seq: 1, samples: samplesOf('temp', { room: 'x' }, T0, 10, 1000, 0) }))).duplicate).toBe(true)
    expect((await b.ingest(makeBatch({ dev: 'dev-1', seq: 2, samples: samplesOf('temp', { room: 'x' }, T0 + 10_000, 5, 1000, 10) }))).duplicate).toBe(false)
    expect((await b.series({ labels: { device: 'dev-1' } })).map((s) => s.id)).toEqual([idA])
    // ... and back to hub A, whose cached dedup mark of dev-1 is stale: it reads it again.
    await a.takeDevice('dev-1')
    expect((await a.ingest(makeBatch({ dev: 'dev-1', seq: 2, samples: samplesOf('temp', { room: 'x' }, T0 + 10_000, 5, 1000, 10) }))).duplicate).toBe(true)
    const all = Array.from({ length: 15 }, (_, k) => k)
    expect(await values(a, 'dev-1')).toEqual(all)
    expect(await values(b, 'dev-1')).toEqual(all)
  })

  it('the leader compacts every hub head rows; the other hub reads the same before and after', async () => {
    const pair = await sharedPair()
    cleanup = pair.cleanup
    const { a, b } = pair
    await a.ingest(makeBatch({ dev: 'dev-1', seq: 1, samples: samplesOf('temp', {}, T0, 20, 1000, 0) }))
    await b.ingest(makeBatch({ dev: 'dev-2', seq: 1, samples: samplesOf('temp', {}, T0, 20, 1000, 50) }))
    const c = await pair.lazy()
    const before = [await values(c, 'dev-1'), await values(c, 'dev-2')]
    expect(before[0]).toHaveLength(20)
    expect(before[1]).toHaveLength(20)
    expect(c.stats().headRows).toBe(2)
    pair.setNow(T0 + 5 * HOUR)
    // A leads: it compacts B's head row too.
    const result = await a.compact()
    expect(result.headRowsCompacted).toBe(2)
    expect(a.stats().headRows).toBe(0)
    // C still lists both head rows in memory: its read finds them gone, takes in the chunks and answers the same.
    expect([await values(c, 'dev-1'), await values(c, 'dev-2')]).toEqual(before)
    expect(c.stats().headRows).toBe(0)
    expect([await values(b, 'dev-1'), await values(b, 'dev-2')]).toEqual(before)
    expect([await values(a, 'dev-1'), await values(a, 'dev-2')]).toEqual(before)
  })
})
