// Where a store test's database comes from: a real LevelDB in a temp dir (the default), or a fresh schema of a real
// PostgreSQL (postgres-store-harness.ts), so one harness runs a store's suite on both backends.
import { Level } from 'level'
import type { Database } from '../../hub/storage/db.js'
import { tempDir } from './temp.js'

export interface DatabaseSource {
  /** A handle on the same data every time (a reopen is close, then open again), opened. */
  open(): Promise<Database>
  /** Removes the data (the temp dir). */
  remove(): Promise<void>
}

export async function levelSource(prefix: string, valueEncoding?: string): Promise<DatabaseSource & { dir: string }> {
  const { dir, cleanup } = await tempDir(prefix)
  return {
    dir,
    async open() {
      const db: Database = new Level<string, any>(dir, valueEncoding ? { valueEncoding } : {})
      await db.open()
      return db
    },
    remove: cleanup,
  }
}
