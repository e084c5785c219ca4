import { Level } from 'level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, type DecodedBatch, type HealthResult } from '../../../protocol/batch.js'
import { HealthStore } from '../../../hub/health/health-store.js'
import { DAY_MS } from '../../../hub/health/keys.js'
import { LevelMetricStore } from '../../../hub/metrics/store/index.js'
import type { BatchStager as IngestParticipant } from '../../../hub/storage/commit.js'
import { tempDir } from '../../helpers/temp.js'

const T0 = Date.UTC(2026, 0, 10, 12) // noon, so ± hours stay in one day
const RETENTION = 3 * DAY_MS

function batch(dev: string, seq: number, h: HealthResult[]): DecodedBatch {
  return { v: PROTOCOL_VERSION, dev, ep: 'ep-1', seq, at: 0, h }
}

const result = (check: string, status: HealthResult['status'], ts: number, extra: Partial<HealthResult> = {}): HealthResult => ({
  check,
  kind: 'http',
  status,
  ts,
  ...extra,
})

describe('HealthStore on LevelDB, through the metric store atomic write', () => {
  let dir: string
  let cleanup: () => Promise<void>
  let db: Level<string, any>
  let health: HealthStore
  let metrics: LevelMetricStore
  let now = T0
  let seq = 0

  async function open(extra: IngestParticipant[] = []): Promise<void> {
    db = new Level<string, any>(dir, { valueEncoding: 'json' })
    await db.open()
    health = new HealthStore(db, { retentionMs: RETENTION, clock: () => now })
    metrics = new LevelMetricStore(db, { participants: [health, ...extra] })
    await metrics.open()
    await health.open()
  }
  async function close(): Promise<void> {
    await metrics.close()
    await db.close()
  }
  const ingest = (dev: string, h: HealthResult[], tsOffset = 0) => metrics.ingest(batch(dev, ++seq, h), { tsOffset })
  const all = () => health.history({ from: 0, to: T0 + 10 * DAY_MS, limit: 1000 })

  beforeEach(async () => {
    ;({ dir, cleanup } = await tempDir('outpost-health-store-'))
    now = T0
    seq = 0
    await open()
  })
  afterEach(async () => {
    await close()
    await cleanup()
  })

  it('keeps the newest result per device and check: an older one arriving later only joins history', async () => {
    await ingest('dev-1', [result('web', 'healthy', T0 + 2000, { latencyMs: 12, message: 'HTTP 200' })])
    await ingest('dev-1', [result('web', 'unhealthy', T0 + 1000)])
    await ingest('dev-1', [result('web', 'degraded', T0 + 3000), result('web', 'unhealthy', T0 + 2500)])
    expect(health.current()).toEqual([
      { device: 'dev-1', check: 'web', kind: 'http', status: 'degraded', ts: T0 + 3000, since: T0 + 3000 },
    ])
    expect((await all()).rows.map((r) => r.ts)).toEqual([T0 + 3000, T0 + 2500, T0 + 2000, T0 + 1000])
  })

  it('tracks since when a status has held, and applies the clock correction to timestamps', async () => {
    await ingest('dev-1', [result('db', 'healthy', T0)])
    await ingest('dev-1', [result('db', 'healthy', T0 + 1000)])
    expect(health.current()[0]).toMatchObject({ status: 'healthy', ts: T0 + 1000, since: T0 })
    await ingest('dev-1', [result('db', 'unhealthy', T0 + 1500)], 500)
    expect(health.current()[0]).toMatchObject({ status: 'unhealthy', ts: T0 + 2000, since: T0 + 2000 })
  })

  it('stores nothing twice for a redelivered batch, and nothing at all when the write fails', async () => {
    const b = batch('dev-1', 1, [result('web', 'healthy', T0)])
    expect((await metrics.ingest(b)).duplicate).toBe(false)
    expect((await metrics.ingest({ ...b, h: [result('web', 'unhealthy', T0 + 1)] })).duplicate).toBe(true)
    expect(health.current()[0].status).toBe('healthy')
    expect((await all()).rows).toHaveLength(1)

    await close()
    const failing: IngestParticipant = { stage: (commit) => commit.stage([{ type: 'put', sublevel: db.sublevel('x'), key: undefined as unknown as string, value: 1 }]) }
    await open([failing])
    await expect(metrics.ingest(batch('dev-1', 2, [result('web', 'unhealthy', T0 + 5)]))).rejects.toThrow()
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
    const limited = await health.history({ from: T0, to: T0 + 100, limit: 2 })
    expect(limited.rows).toHaveLength(2)
    expect(limited.more).toBe(true)
    expect((await health.history({ from: T0, to: T0 + 100, limit: 4 })).more).toBe(false)
  })

  it('keeps current rows across a restart, still refusing older results afterwards', async () => {
    await ingest('dev-1', [result('web', 'unhealthy', T0 + 1000)])
    await close()
    await open()
    expect(health.current()).toEqual([expect.objectContaining({ device: 'dev-1', status: 'unhealthy', ts: T0 + 1000 })])
    await ingest('dev-1', [result('web', 'healthy', T0)])
    expect(health.current()[0].status).toBe('unhealthy')
    await ingest('dev-1', [result('web', 'healthy', T0 + 2000)])
    expect(health.current()[0]).toMatchObject({ status: 'healthy', since: T0 + 2000 })
  })

  it('prunes history by whole days past the retention, from both indexes, and drops stale current rows at open', async () => {
    await ingest('dev-old', [result('gone', 'unhealthy', T0 - 5 * DAY_MS)])
    await ingest('dev-1', [result('web', 'healthy', T0 - 5 * DAY_MS), result('web', 'degraded', T0 - 2 * DAY_MS)])
    await ingest('dev-1', [result('web', 'healthy', T0)])
    now = T0 + 2 * DAY_MS // retention reaches back to T0 - 1 day: the day of T0 - 2 days stays only until then
    await health.prune()
    const kept = (await all()).rows.map((r) => (r.ts - T0) / DAY_MS)
    expect(kept).toEqual([0])
    expect((await health.history({ device: 'dev-1', from: 0, to: T0 + DAY_MS, limit: 100 })).rows.map((r) => r.ts)).toEqual([T0])
    expect((await health.history({ device: 'dev-old', from: 0, to: T0 + DAY_MS, limit: 100 })).rows).toEqual([])
    expect(health.current().map((r) => r.device)).toEqual(['dev-1'])

    await close()
    await open()
    expect(health.current().map((r) => r.device)).toEqual(['dev-1'])
    let staleRows = 0
    for await (const key of db.sublevel('h-cur').keys()) if (key.startsWith('dev-old|')) staleRows++
    expect(staleRows).toBe(0)
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
})
