// The PostgreSQL twin of level-store-harness.ts: a store over the PostgreSQL backend (hub/storage/postgres/), for
// the stores' conformance suites run from `postgres-*.test.ts` (store-harness.ts). One server per test file
// (`usePostgres`), one schema per harness so every test starts empty; `reopen()` closes the connections and
// connects again.
import { afterAll, beforeAll } from 'vitest'
import type { Database } from '../../hub/storage/db.js'
import type { DatabaseSource } from './database-source.js'
import { PostgresLevel } from '../../hub/storage/postgres/level.js'
import { postgresServer, type PostgresServer } from './postgres.js'
import { storeHarness, type StoreHarness } from './store-harness.js'
import { tempDir } from './temp.js'

/** Starts one PostgreSQL for the test file; the getter answers it inside tests. */
export function usePostgres(): () => PostgresServer {
  let server: PostgresServer | undefined
  let cleanup: (() => Promise<void>) | undefined
  beforeAll(async () => {
    const temp = await tempDir('outpost-pg-')
    cleanup = temp.cleanup
    server = await postgresServer(temp.dir)
  }, 120_000)
  afterAll(async () => {
    await server?.stop()
    await cleanup?.()
  }, 60_000)
  return () => {
    if (!server) throw new Error('usePostgres: server not started (call inside a test)')
    return server
  }
}

let schemas = 0

/** A fresh schema name for one store. */
export function freshSchema(): string {
  return `t${process.pid}_${Date.now().toString(36)}_${++schemas}`
}

export function openPostgresDatabase(server: PostgresServer, schema: string): Database {
  return new PostgresLevel(server.url(), { schema, valueEncoding: 'json' }) as unknown as Database
}

/** A fresh schema on `server`, as a DatabaseSource for the harnesses that take one. */
export function postgresSource(server: PostgresServer): DatabaseSource {
  const schema = freshSchema()
  return {
    async open() {
      const db = openPostgresDatabase(server, schema)
      await db.open()
      return db
    },
    async remove() {},
  }
}

export function postgresStoreHarness<S>(server: PostgresServer, make: (db: Database) => S): Promise<StoreHarness<S>> {
  return storeHarness(postgresSource(server), make)
}
