// The health store's conformance suite (aedes-persistence's abstract.js way): every backend runs it unchanged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, type DecodedBatch, type HealthResult } from '../../../protocol/batch.js'
import { DAY_MS } from '../../../hub/health/keys.js'
import type { HealthRow, HealthStore, HealthStoreOptions } from '../../../hub/health/types.js'
import type { IngestOptions, IngestResult } from '../../../hub/storage/types.js'

export interface HealthStoreHarness {
  store: HealthStore
  /** Stores a batch through the backend's exactly-once write (dedup mark and the store's rows in one commit); with
   *  `fail`, that write is made to fail after the store staged its rows. */
  ingest(batch: DecodedBatch, options?: IngestOptions & { fail?: boolean }): Promise<IngestResult>
  /** Closes the store and its database, opens them again from disk and calls `open()`. */
  reopen(): Promise<HealthStore>
  cleanup(): Promise<void>
}

/** Opens a store (and calls its `open()`) with these options on fresh, empty storage. */
export type MakeHealthHarness = (options: HealthStoreOptions) => Promise<HealthStoreHarness>

const T0 = Date.UTC(2026, 0, 10, 12) // noon, so ± hours stay in one day
const RETENTION = 3 * DAY_MS

const result = (check: string, status: HealthResult['status'], ts: number, extra: Partial<HealthResult> = {}): HealthResult => ({
  check,
  kind: 'http',
  status,
  ts,
  ...extra,
})

export function runHealthStoreSuite(name: string, makeHarness: MakeHealthHarness): void {
  describe(`HealthStore conformance: ${name}`, () => {
    let harness: HealthStoreHarness
    let health: HealthStore
    let now = T0
    let seq = 0
    beforeEach(async () => {
      now = T0
      seq = 0
      harness = await makeHarness({ retentionMs: RETENTION, clock: () => now })
      health = harness.store
    })
    afterEach(async () => harness.cleanup())

    const batch = (dev: string, h: HealthResult[]): DecodedBatch => ({ v: PROTOCOL_VERSION, dev, ep: 'ep-1', seq: ++seq, at: 0, h })
    const ingest = (dev: string, h: HealthResult[], tsOffset = 0) => harness.ingest(batch(dev, h), { tsOffset })
    const all = () => health.history({ from: 0, to: T0 + 10 * DAY_MS, limit: 1000 })
    const reopen = async () => (health = await harness.reopen())
    const collect = async (rows: AsyncIterable<HealthRow>) => {
      const out: HealthRow[] = []
      for await (const row of rows) out.push(row)
      return out
    }

    it('keeps the newest result per device and check: an older one arriving later only joins history', async () => {
      await ingest('dev-1', [result('web', 'healthy', T0 + 2000, { latencyMs: 12, message: 'HTTP 200' })])
      await ingest('dev-1', [result('web', 'unhealthy', T0 + 1000)])
      await ingest('dev-1', [result('web', 'degraded', T0 + 3000), result('web', 'unhealthy', T0 + 2500)])
      expect(health.current()).toEqual([{ device: 'dev-1', check: 'web', kind: 'http', status: 'degraded', ts: T0 + 3000, since: T0 + 3000 }])
      expect((await all()).rows.map((r) => r.ts)).toEqual([T0 + 3000, T0 + 2500, T0 + 2000, T0 + 1000])
      expect((await all()).rows[2]).toEqual({ device: 'dev-1', check: 'web', kind: 'http', status: 'healthy', ts: T0 + 2000, latencyMs: 12, message: 'HTTP 200' })
    })

    it('tracks since when a status has held, and applies the clock correction to timestamps', async () => {
      await ingest('dev-1', [result('db', 'healthy', T0)])
      await ingest('dev-1', [result('db', 'healthy', T0 + 1000)])
      expect(health.current()[0]).toMatchObject({ status: 'healthy', ts: T0 + 1000, since: T0 })
      await ingest('dev-1', [result('db', 'unhealthy', T0 + 1500)], 500)
      expect(health.current()[0]).toMatchObject({ status: 'unhealthy', ts: T0 + 2000, since: T0 + 2000 })
    })

    it('sorts current rows by device then check, and answers one device alone', async () => {
      await ingest('dev-b', [result('z', 'healthy', T0), result('a', 'degraded', T0)])
      await ingest('dev-a', [result('m', 'unhealthy', T0)])
      const keys = (rows: HealthRow[]) => rows.map((r) => `${r.device}/${r.check}`)
      expect(keys(health.current())).toEqual(['dev-a/m', 'dev-b/a', 'dev-b/z'])
      expect(keys(health.current('dev-b'))).toEqual(['dev-b/a', 'dev-b/z'])
      expect(health.current('dev-c')).toEqual([])
      // Answers are copies: changing one changes nothing stored.
      health.current()[0].status = 'healthy'
      expect(health.current()[0].status).toBe('unhealthy')
    })

    it('stores nothing twice for a redelivered batch, and nothing at all when the write fails', async () => {
      const b = batch('dev-1', [result('web', 'healthy', T0)])
      expect((await harness.ingest(b)).duplicate).toBe(false)
      expect((await harness.ingest({ ...b, h: [result('web', 'unhealthy', T0 + 1)] })).duplicate).toBe(true)
      expect(health.current()[0].status).toBe('healthy')
      expect((await all()).rows).toHaveLength(1)

      await expect(harness.ingest(batch('dev-1', [result('web', 'unhealthy', T0 + 5)]), { fail: true })).rejects.toThrow()
      expect(health.current()[0]).toMatchObject({ status: 'healthy', ts: T0 })
      expect((await all()).rows).toHaveLength(1)
      await reopen()
      expect(health.current()[0]).toMatchObject({ status: 'healthy', ts: T0 })
      expect((await all()).rows).toHaveLength(1)
    })

    it('answers history newest first, by device and check, within a range, up to a limit', async () => {
      await ingest('dev-1', [result('web', 'healthy', T0), result('db', 'healthy', T0 + 10)])
      await ingest('dev-2', [result('web', 'unhealthy', T0 + 5)])
      await ingest('dev-1', [result('web', 'degraded', T0 + 20)])

      const rows = (q: object) => health.history({ from: T0, to: T0 + 100, limit: 100, ...q }).then((r) => r.rows.map((x) => `${x.device}/${x.check}@${x.ts - T0}`))
      expect(await rows({})).toEqual(['dev-1/web@20', 'dev-1/db@10', 'dev-2/web@5', 'dev-1/web@0'])
      expect(await rows({ device: 'dev-1' })).toEqual(['dev-1/web@20', 'dev-1/db@10', 'dev-1/web@0'])
      expect(await rows({ device: 'dev-1', check: 'web' })).toEqual(['dev-1/web@20', 'dev-1/web@0'])
      expect(await rows({ check: 'web', from: T0 + 5, to: T0 + 19 })).toEqual(['dev-2/web@5'])
      expect(await rows({ device: 'dev-1', from: T0 + 10, to: T0 + 10 })).toEqual(['dev-1/db@10'])
      expect(await rows({ device: 'dev-10' })).toEqual([])
      const limited = await health.history({ from: T0, to: T0 + 100, limit: 2 })
      expect(limited.rows.map((r) => r.ts - T0)).toEqual([20, 10])
      expect(limited.more).toBe(true)
      expect((await health.history({ from: T0, to: T0 + 100, limit: 4 })).more).toBe(false)
      expect((await health.history({ device: 'dev-1', check: 'web', from: T0, to: T0 + 100, limit: 1 })).more).toBe(true)
    })

    it('keeps history spanning days in time order, across a reopen', async () => {
      const times = [T0 - 2 * DAY_MS, T0 - DAY_MS + 1, T0, T0 + DAY_MS / 4]
      for (const ts of times) await ingest('dev-1', [result('web', 'healthy', ts)])
      await reopen()
      expect((await all()).rows.map((r) => r.ts)).toEqual([...times].reverse())
      expect((await health.history({ device: 'dev-1', from: T0 - DAY_MS, to: T0, limit: 10 })).rows.map((r) => r.ts)).toEqual([T0, T0 - DAY_MS + 1])
    })

    it('keeps current rows across a restart, still refusing older results afterwards', async () => {
      await ingest('dev-1', [result('web', 'unhealthy', T0 + 1000)])
      await reopen()
      expect(health.current()).toEqual([expect.objectContaining({ device: 'dev-1', status: 'unhealthy', ts: T0 + 1000, since: T0 + 1000 })])
      await ingest('dev-1', [result('web', 'healthy', T0)])
      expect(health.current()[0].status).toBe('unhealthy')
      await ingest('dev-1', [result('web', 'healthy', T0 + 2000)])
      expect(health.current()[0]).toMatchObject({ status: 'healthy', since: T0 + 2000 })
    })

    it('leaves out results whose corrected time cannot be stored', async () => {
      await ingest('dev-1', [result('web', 'healthy', -5), result('web', 'healthy', T0), result('web', 'healthy', 1e300)])
      await ingest('dev-1', [result('db', 'healthy', T0)], NaN)
      expect((await all()).rows.map((r) => r.ts)).toEqual([T0])
      expect(health.current().map((r) => r.check)).toEqual(['web'])
    })

    it('prunes history by whole days past the retention, from both indexes, and hides stale current rows', async () => {
      await ingest('dev-old', [result('gone', 'unhealthy', T0 - 5 * DAY_MS)])
      await ingest('dev-1', [result('web', 'healthy', T0 - 5 * DAY_MS), result('web', 'degraded', T0 - 2 * DAY_MS)])
      await ingest('dev-1', [result('web', 'healthy', T0)])
      now = T0 + 2 * DAY_MS // retention reaches back to T0 - 1 day: the day of T0 - 2 days stays only until then
      expect((await health.prune()).keptFromDay).toBe(Math.floor((T0 - DAY_MS) / DAY_MS))
      expect((await all()).rows.map((r) => (r.ts - T0) / DAY_MS)).toEqual([0])
      expect((await health.history({ device: 'dev-1', from: 0, to: T0 + DAY_MS, limit: 100 })).rows.map((r) => r.ts)).toEqual([T0])
      expect((await health.history({ device: 'dev-old', from: 0, to: T0 + DAY_MS, limit: 100 })).rows).toEqual([])
      expect(health.current().map((r) => r.device)).toEqual(['dev-1'])
      await reopen()
      expect(health.current().map((r) => r.device)).toEqual(['dev-1'])
      expect(await collect(health.exportDevice('dev-old'))).toEqual([])
    })

    it('keeps the rest of a day whose start is past the retention until the whole day is', async () => {
      const dayStart = Math.floor(T0 / DAY_MS) * DAY_MS
      await ingest('dev-1', [result('web', 'healthy', dayStart + 1000), result('web', 'healthy', dayStart + 2000)])
      now = dayStart + 1500 + RETENTION
      await health.prune()
      expect((await all()).rows).toHaveLength(2)
      now = dayStart + DAY_MS + RETENTION
      await health.prune()
      expect((await all()).rows).toHaveLength(0)
    })

    it('exports one device oldest first and purges it alone, durably', async () => {
      await ingest('dev-1', [result('web', 'healthy', T0 + 20), result('db', 'degraded', T0 + 10)])
      await ingest('dev-10', [result('web', 'healthy', T0 + 15)])
      await ingest('dev-1', [result('web', 'unhealthy', T0 + 30)])
      expect((await collect(health.exportDevice('dev-1'))).map((r) => `${r.check}@${r.ts - T0}`)).toEqual(['db@10', 'web@20', 'web@30'])
      expect(await health.purgeDevice('dev-1')).toEqual({ results: 3 })
      expect(health.current().map((r) => r.device)).toEqual(['dev-10'])
      expect((await all()).rows.map((r) => r.device)).toEqual(['dev-10'])
      await reopen()
      expect(await collect(health.exportDevice('dev-1'))).toEqual([])
      expect(health.current().map((r) => r.device)).toEqual(['dev-10'])
      expect((await all()).rows.map((r) => r.device)).toEqual(['dev-10'])
      // A purged device that reports again starts afresh.
      await ingest('dev-1', [result('web', 'healthy', T0 + 5)])
      expect(health.current('dev-1')).toEqual([expect.objectContaining({ ts: T0 + 5, since: T0 + 5 })])
    })

    it('takes batches of many devices at once without losing a current row', async () => {
      const devices = Array.from({ length: 20 }, (_, i) => `dev-${i}`)
      await Promise.all(devices.flatMap((dev) => [1, 2, 3].map((k) => ingest(dev, [result('web', k === 3 ? 'degraded' : 'healthy', T0 + k)]))))
      const current = health.current()
      expect(current).toHaveLength(20)
      for (const row of current) expect(row).toMatchObject({ ts: T0 + 3, status: 'degraded', since: T0 + 3 })
      expect((await all()).rows).toHaveLength(60)
    })
  })
}
