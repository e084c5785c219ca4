import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { LevelMetricStore, type LevelMetricStoreOptions } from '../../../../hub/metrics/store/index.js'
import type { StoreHarness } from './metric-store.case.js'

export interface LevelHarness extends StoreHarness {
  store: LevelMetricStore
  db: Level<string, any>
  reopen(options?: LevelMetricStoreOptions): Promise<LevelMetricStore>
}

/** A LevelMetricStore on a real LevelDB in a fresh temp dir; reopen closes the database and opens it again. */
export async function makeLevelHarness(options: LevelMetricStoreOptions = {}): Promise<LevelHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-metric-store-'))
  const open = async (opts: LevelMetricStoreOptions) => {
    const db = new Level<string, any>(dir)
    await db.open()
    const store = new LevelMetricStore(db, opts)
    try {
      await store.open()
    } catch (err) {
      await db.close()
      throw err
    }
    return { db, store }
  }
  const harness: LevelHarness = {
    ...(await open(options)),
    async reopen(next = options) {
      await harness.store.close()
      await harness.db.close()
      Object.assign(harness, await open(next))
      return harness.store
    },
    async cleanup() {
      await harness.store.close()
      await harness.db.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
  return harness
}
