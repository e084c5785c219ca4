import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION } from '../../../protocol/batch.js'
import { DAY_MS } from '../../../hub/health/keys.js'
import { LevelHealthStore } from '../../../hub/health/level-health-store.js'
import type { HealthStoreOptions } from '../../../hub/health/types.js'
import { BatchWriter } from '../../../hub/storage/batch-writer.js'
import type { Database } from '../../../hub/storage/db.js'
import { tempDir } from '../../helpers/temp.js'
import { runHealthStoreSuite, type HealthStoreHarness } from './health-store.case.js'

interface LevelHealthHarness extends HealthStoreHarness {
  db: Database
}

/** A LevelHealthStore on a real LevelDB in a temp dir, written through the hub's BatchWriter. */
async function makeLevelHarness(options: HealthStoreOptions): Promise<LevelHealthHarness> {
  const { dir, cleanup } = await tempDir('outpost-health-store-')
  let failing = false
  const open = async () => {
    const db: Database = new Level<string, any>(dir, { valueEncoding: 'json' })
    await db.open()
    const store = new LevelHealthStore(db, options)
    // After the store's rows, a put with no key when asked to: LevelDB refuses the whole batch.
    const failer = { stage: (commit: { stage(ops: any[]): void }) => failing && commit.stage([{ type: 'put', key: undefined, value: 1 }]) }
    const writer = new BatchWriter(db, [store, failer])
    await store.open()
    return { db, store, writer }
  }
  let state = await open()
  const harness: LevelHealthHarness = {
    ...state,
    async ingest(batch, { fail = false, ...opts } = {}) {
      failing = fail
      try {
        return await state.writer.write(batch, opts)
      } finally {
        failing = false
      }
    },
    async reopen() {
      await state.writer.idle()
      await state.db.close()
      state = await open()
      Object.assign(harness, { db: state.db, store: state.store })
      return state.store
    },
    async cleanup() {
      await state.writer.idle()
      await state.db.close()
      await cleanup()
    },
  }
  return harness
}

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
