import type { Database } from '../../hub/storage/db.js'
import { levelSource } from './database-source.js'
import { storeHarness, type StoreHarness } from './store-harness.js'

/** A store over a real LevelDB in a temp dir, for the stores' conformance suites (`*.case.ts`). */
export async function levelStoreHarness<S>(make: (db: Database) => S, prefix = 'outpost-store-'): Promise<StoreHarness<S>> {
  return storeHarness(await levelSource(prefix, 'json'), make)
}
