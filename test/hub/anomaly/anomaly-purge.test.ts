// Device purge erases anomaly detection's data of that device (docs/security.md): series states, open events, score
// rows and events in a real LevelDB, and nothing of another device, including one whose id extends the purged one.
import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { createDatabase, type Database } from '../../../hub/storage/db.js'
import { AnomalyStore, eventId, type AnomalyEvent } from '../../../hub/anomaly/anomaly-store.js'
import { seriesKey } from '../../../protocol/batch.js'
import { tempDir } from '../../helpers/temp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

function event(device: string, key: string, start: number): AnomalyEvent {
  return { id: eventId(start, key), device, name: 'pump_pressure_bars', labels: { device }, start, end: start + 1000, open: false, maxScore: 0.9, value: 5, expected: 3, band: [2, 4], detector: 'rarity' }
}

async function allKeys(db: Database): Promise<string[]> {
  return db.keys({ keyEncoding: 'utf8' }).all()
}

describe('AnomalyStore.purgeDevice', () => {
  it('erases states, open events, scores and events of the device only', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const db = createDatabase(join(t.dir, 'db'))
    await db.open()
    cleanups.push(() => db.close())
    const store = new AnomalyStore(db)
    const devices = ['pump-1', 'pump-10', 'other']
    const keyOf = (d: string, pump: string) => seriesKey('pump_pressure_bars', { device: d, pump })
    for (const d of devices) {
      for (const pump of ['a', 'b']) {
        const key = keyOf(d, pump)
        const open = { start: 1000, end: 2000, maxScore: 0.9, value: 5, expected: 3, lo: 2, hi: 4, detector: 'rarity', calm: 0, id: eventId(1000, key) }
        await store.write({
          states: [[key, { state: new Uint8Array(16).fill(1), open }]],
          scores: [[key, { ts: [1000, 2000], s: [0.1, 0.9] }]],
          events: [event(d, key, 1000), event(d, key, 5000)],
        })
        await store.write({ states: [], scores: [[key, { ts: [3000], s: [0.2] }]], events: [] })
      }
    }
    const before = await allKeys(db)
    expect(before.filter((k) => k.includes('pump-1\u0000') || k.endsWith('pump-1')).length).toBeGreaterThan(0)

    expect(await store.purgeDevice('pump-1')).toEqual({ series: 2, events: 4 })

    for (const pump of ['a', 'b']) {
      expect(await store.load(keyOf('pump-1', pump))).toBeUndefined()
      expect((await store.readScores(keyOf('pump-1', pump), 0, 10_000)).ts).toEqual([])
      for (const d of ['pump-10', 'other']) {
        expect(await store.load(keyOf(d, pump))).toBeDefined()
        expect((await store.readScores(keyOf(d, pump), 0, 10_000)).ts).toEqual([1000, 2000, 3000])
      }
    }
    const events: AnomalyEvent[] = []
    for await (const e of store.eventsBetween(0, 10_000)) events.push(e)
    expect(events.filter((e) => e.device === 'pump-1')).toEqual([])
    expect(events.filter((e) => e.device === 'pump-10')).toHaveLength(4)
    expect(events.filter((e) => e.device === 'other')).toHaveLength(4)
    // No key of any anomaly table names the device's series any more.
    const purgedKeys = [keyOf('pump-1', 'a'), keyOf('pump-1', 'b')]
    expect((await allKeys(db)).filter((k) => purgedKeys.some((p) => k.includes(p)))).toEqual([])
    expect(await store.purgeDevice('pump-1')).toEqual({ series: 0, events: 0 })
  })
})
