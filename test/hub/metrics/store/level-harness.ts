import type { Level } from 'level'
import { levelSource, type DatabaseSource } from '../../../helpers/database-source.js'
import { LevelMetricStore, type LevelMetricStoreOptions } from '../../../../hub/metrics/store/index.js'
import type { StoreHarness } from './metric-store.case.js'

export interface LevelHarness extends StoreHarness {
  store: LevelMetricStore
  db: Level<string, any>
  reopen(options?: LevelMetricStoreOptions): Promise<LevelMetricStore>
}

/**
 * A LevelMetricStore on a real LevelDB in a fresh temp dir (or on `source`: PostgreSQL); reopen closes the database
 * and opens it again.
 */
export async function makeLevelHarness(options: LevelMetricStoreOptions = {}, source?: DatabaseSource): Promise<LevelHarness> {
  const src = source ?? (await levelSource('outpost-metric-store-'))
  const open = async (opts: LevelMetricStoreOptions) => {
    const db = (await src.open()) as Level<string, any>
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
      await src.remove()
    },
  }
  return harness
}
