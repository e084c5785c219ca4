// One store over a database source (database-source.ts), for the stores' conformance suites (`*.case.ts`) on either
// backend: LevelDB in a temp dir (level-store-harness.ts) or a fresh PostgreSQL schema (postgres-store-harness.ts).
import type { Database } from '../../hub/storage/db.js'
import type { DatabaseSource } from './database-source.js'

export interface StoreHarness<S> {
  db: Database
  store: S
  /** Closes the database and opens it again (from disk, or connecting again), with a new store over it. */
  reopen(): Promise<S>
  /** Closes the database and removes its data. */
  cleanup(): Promise<void>
}

export async function storeHarness<S>(source: DatabaseSource, make: (db: Database) => S): Promise<StoreHarness<S>> {
  const open = async () => {
    const db = await source.open()
    return { db, store: make(db) }
  }
  const harness: StoreHarness<S> = {
    ...(await open()),
    async reopen() {
      await harness.db.close()
      Object.assign(harness, await open())
      return harness.store
    },
    async cleanup() {
      await harness.db.close()
      await source.remove()
    },
  }
  return harness
}
