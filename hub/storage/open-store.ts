// Which database the hub keeps its tables in: the embedded LevelDB in the data directory (default), or PostgreSQL
// with `--store postgres://…` (docs/storage.md, "PostgreSQL backend"). Both are abstract-level databases, so every
// store above them is the same code; only the health monitor differs (disk space, or reachability).
import { createDatabase, reopenDatabase, type Database } from './db.js'
import { PostgresLevel } from './postgres/level.js'
import { StoreOutage } from './postgres/outage.js'
import { StorageSpace, type StorageFull, type StorageMonitor } from './space.js'

export interface OpenedStore {
  db: Database
  monitor: StorageMonitor
}

export interface StoreMonitorOptions {
  clock: () => number
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
  onChange: (down: StorageFull | undefined) => void
  /** PostgreSQL: the leader term the write being issued must carry (hub/cluster/leader.ts). */
  fence?: () => number | undefined
}

export function createStore(data: string, store: string | undefined, options: StoreMonitorOptions): OpenedStore {
  if (store) {
    const pg = new PostgresLevel(store, { valueEncoding: 'json', fence: options.fence })
    return { db: pg as unknown as Database, monitor: new StoreOutage({ probe: () => pg.ping(), ...options }) }
  }
  const db = createDatabase(data)
  return { db, monitor: new StorageSpace({ dir: data, reopen: () => reopenDatabase(db), ...options }) }
}

/** Opens the database; a refusal the operator must act on (an unknown schema version) comes out unwrapped. */
export async function openStore(db: Database): Promise<void> {
  try {
    await db.open()
  } catch (err) {
    const cause = (err as { cause?: { userFacing?: boolean } }).cause
    throw cause?.userFacing ? cause : err
  }
}
