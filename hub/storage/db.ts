// The hub's one database handle (DESIGN §6). Stores get it from here and open their tables through the keyspace
// (./keyspace.ts), so the engine behind them is named in one place.
import { Level, type BatchOperation } from 'level'

/** The hub's database: LevelDB through `level`, string keys, per-table value encodings. */
export type Database = Level<string, any>

/** One write of an atomic `db.batch`, aimed at a table through its `sublevel` property. */
export type BatchOp = BatchOperation<Database, string, any>

/** The hub's database at `path`, not yet open (it opens on first use or `open()`). */
export function createDatabase(path: string): Database {
  // A 16 MiB memtable (LevelDB's default is 4 MiB) flushes and compacts level 0 less often under ingest bursts.
  return new Level<string, any>(path, { valueEncoding: 'json', writeBufferSize: 16 * 1024 * 1024 })
}
