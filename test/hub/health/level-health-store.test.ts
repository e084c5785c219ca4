import { afterEach, describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION } from '../../../protocol/batch.js'
import { DAY_MS } from '../../../hub/health/keys.js'
import { runHealthStoreSuite } from './health-store.case.js'
import { makeLevelHarness, type LevelHealthHarness } from './health-harness.js'

runHealthStoreSuite('LevelHealthStore', makeLevelHarness)

describe('LevelHealthStore on disk', () => {
  let harness: LevelHealthHarness | undefined
  afterEach(async () => harness?.cleanup())
  const T0 = Date.UTC(2026, 0, 10, 12)

  it('writes the layout of docs/storage.md and deletes stale current rows at open', async () => {
    let now = T0
    harness = await makeLevelHarness({ retentionMs: 3 * DAY_MS, clock: () => now })
    const h = { check: 'web', kind: 'http', status: 'healthy' as const, ts: T0 - 5 * DAY_MS }
    await harness.ingest({ v: PROTOCOL_VERSION, dev: 'dev-old', ep: 'e', seq: 1, at: 0, h: [h] })
    await harness.ingest({ v: PROTOCOL_VERSION, dev: 'dev-1', ep: 'e', seq: 1, at: 0, h: [{ ...h, ts: T0 }] })
    const keys = async (prefix: string) => harness!.db.sublevel<string, unknown>(prefix, { valueEncoding: 'json' }).keys().all()
    const day = String(Math.floor(T0 / DAY_MS)).padStart(6, '0')
    expect(await keys('h-cur')).toEqual(['dev-1|web', 'dev-old|web'])
    expect(await keys('h-dev')).toContain(`dev-1|${String(T0).padStart(15, '0')}|web`)
    expect(await keys('h-hist')).toContain(`${day}|${String(T0).padStart(15, '0')}|dev-1|web`)
    now = T0 + DAY_MS
    await harness.reopen()
    expect(await keys('h-cur')).toEqual(['dev-1|web'])
  })
})
