// The PostgreSQL store's own bookkeeping: the schema version (a hub refuses a store whose version it does not know)
// and the registry of tables, one per sublevel of the hub's database (./keys.ts names them).
import type { ClientBase } from 'pg'
import { quote, tableName } from './keys.js'
import { migrateToPartitions } from './migrate-v2.js'
import { createPartitionedSql, partitionSpec } from './partitions.js'

/**
 * The layout this code writes. 1: outpost_schema, outpost_tables, one (k bytea, v bytea) table per sublevel.
 * 2: the same, but the time-led tables (./partitions.ts) partitioned by UTC day; a version-1 store is migrated at open.
 */
export const SCHEMA_VERSION = 2

/** Serialises schema creation between hubs starting together on one store (pg_advisory_xact_lock's two-key form). */
const SCHEMA_LOCK = [0x6f757470, 0x5c4e4d41] as const

/** A store written by a hub whose layout this hub does not know. */
export class UnknownSchemaError extends Error {
  readonly code = 'OUTPOST_SCHEMA_UNKNOWN'
  /** Printed as one line by the CLI, which exits 2. */
  readonly userFacing = true
  constructor(readonly found: number) {
    super(`PostgreSQL store has schema version ${found}; this hub knows versions 1-${SCHEMA_VERSION} (upgrade the hub, or use another database)`)
  }
}

/** Creates the bookkeeping tables on a new store, checks the version on a used one; answers the tables known. */
export async function openSchema(client: ClientBase): Promise<Map<string, string>> {
  await client.query('BEGIN')
  try {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [...SCHEMA_LOCK])
    await client.query(`CREATE TABLE IF NOT EXISTS outpost_schema (
      id int PRIMARY KEY CHECK (id = 1), version int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`)
    const found = await client.query<{ version: number }>('SELECT version FROM outpost_schema WHERE id = 1')
    await client.query('CREATE TABLE IF NOT EXISTS outpost_tables (prefix text PRIMARY KEY, name text NOT NULL UNIQUE)')
    if (found.rows.length === 0) await client.query('INSERT INTO outpost_schema (id, version) VALUES (1, $1)', [SCHEMA_VERSION])
    else if (found.rows[0].version === 1) {
      // In this transaction, under the schema lock: a kill meanwhile leaves version 1 as it was; other hubs wait.
      await migrateToPartitions(client, await listTables(client))
      await client.query('UPDATE outpost_schema SET version = $1 WHERE id = 1', [SCHEMA_VERSION])
    } else if (found.rows[0].version !== SCHEMA_VERSION) throw new UnknownSchemaError(found.rows[0].version)
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  }
  return listTables(client)
}

/** Every sublevel table of the store, prefix → table name. */
export async function listTables(client: Pick<ClientBase, 'query'>): Promise<Map<string, string>> {
  const rows = await client.query<{ prefix: string; name: string }>('SELECT prefix, name FROM outpost_tables')
  return new Map(rows.rows.map((r) => [r.prefix, r.name]))
}

/** Creates the table of `prefix` in the caller's transaction (idempotent; concurrent creators may see 23505 and retry). */
export async function createTable(client: Pick<ClientBase, 'query'>, prefix: string): Promise<string> {
  const name = tableName(prefix)
  if (partitionSpec(prefix)) await client.query(createPartitionedSql(name))
  else await client.query(`CREATE TABLE IF NOT EXISTS ${quote(name)} (k bytea PRIMARY KEY, v bytea NOT NULL)`)
  await client.query('INSERT INTO outpost_tables (prefix, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [prefix, name])
  return name
}
