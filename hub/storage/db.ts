// The hub's one database handle (DESIGN §6). Stores get it from here and open their tables through the keyspace
// (./keyspace.ts), so the engine behind them is named in one place.
import { Level, type BatchOperation } from 'level'

/** The hub's database: LevelDB through `level`, string keys, per-table value encodings. */
export type Database = Level<string, any>

/** One write of an atomic `db.batch`, aimed at a table through its `sublevel` property. */
export type BatchOp = BatchOperation<Database, string, any>

/** A table, as far as reopening it goes. */
type Sublevel = { open(): Promise<void> }

/**
 * LevelDB keeps a failed background write (a table it could not write for lack of space) as an error that every later
 * write returns, even after space comes back; only closing and opening the database clears it. `reopen()` does that
 * and reopens the tables the stores hold, which abstract-level closes with the database and does not reopen.
 */
class HubDatabase extends Level<string, any> {
  private readonly tables = new Set<WeakRef<Sublevel>>()

  track(table: Sublevel): void {
    this.tables.add(new WeakRef(table))
  }

  /** Closes and opens the database and every table taken from it; operations issued meanwhile wait or fail once. */
  async reopen(): Promise<void> {
    await this.close()
    const opening = [this.open()]
    for (const ref of this.tables) {
      const sub = ref.deref()
      if (sub) opening.push(sub.open())
      else this.tables.delete(ref)
    }
    await Promise.all(opening)
  }
}

/** The hub's database at `path`, not yet open (it opens on first use or `open()`). */
export function createDatabase(path: string): Database {
  // A 16 MiB memtable (LevelDB's default is 4 MiB) flushes and compacts level 0 less often under ingest bursts.
  return new HubDatabase(path, { valueEncoding: 'json', writeBufferSize: 16 * 1024 * 1024 }) as unknown as Database
}

/** Remembers a table taken from a database made by `createDatabase`, so `reopenDatabase` reopens it (keyspace.ts). */
export function trackTable(db: Database, table: Sublevel): void {
  if (db instanceof HubDatabase) db.track(table)
}

/** Closes and opens a database made by `createDatabase`, its tables too (see HubDatabase). */
export function reopenDatabase(db: Database): Promise<void> {
  if (!(db instanceof HubDatabase)) throw new Error('reopenDatabase: not a database made by createDatabase')
  return db.reopen()
}

/** A table's place in the database's key order, as abstract-level sublevels give it. */
type Prefixed = { prefix: string; db: unknown }

/**
 * Makes the engine drop what deletes left behind in a table (LevelDB keeps deleted rows and their tombstones on disk
 * until a compaction reaches them, so a store that moved rows elsewhere would hold them twice). LevelDB compacts the
 * table's key range; an engine without `compactRange` reclaims on its own and this does nothing.
 */
export async function reclaimTable(table: Prefixed): Promise<void> {
  const root = table.db as { compactRange?: (start: string, end: string) => Promise<void> }
  if (typeof root.compactRange !== 'function') return
  // Sublevel prefixes are `!name!`: every key of the table sorts before the prefix with its last '!' raised.
  await root.compactRange(table.prefix, `${table.prefix.slice(0, -1)}"`)
}
