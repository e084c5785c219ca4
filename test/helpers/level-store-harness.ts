import { Level } from 'level'
import type { Database } from '../../hub/storage/db.js'
import { tempDir } from './temp.js'

/** A store over a real LevelDB in a temp dir, for the stores' conformance suites (`*.case.ts`). */
export interface LevelStoreHarness<S> {
  db: Database
  store: S
  /** Closes the database and opens it again from disk, with a new store over it. */
  reopen(): Promise<S>
  cleanup(): Promise<void>
}

export async function levelStoreHarness<S>(make: (db: Database) => S, prefix = 'outpost-store-'): Promise<LevelStoreHarness<S>> {
  const { dir, cleanup } = await tempDir(prefix)
  const open = async () => {
    const db: Database = new Level<string, any>(dir, { valueEncoding: 'json' })
    await db.open()
    return { db, store: make(db) }
  }
  const harness: LevelStoreHarness<S> = {
    ...(await open()),
    async reopen() {
      await harness.db.close()
      Object.assign(harness, await open())
      return harness.store
    },
    async cleanup() {
      await harness.db.close()
      await cleanup()
    },
  }
  return harness
}
