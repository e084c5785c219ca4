// Schema 1 → 2: the time-led tables of a version-1 store become tables partitioned by day (./partitions.ts). Runs in
// the caller's transaction at open (schema.ts), so a hub killed midway leaves the version-1 store as it was and the
// next start migrates again. Rows are copied in key order, a page at a time, each given its day.
import type { ClientBase } from 'pg'
import { quote } from './keys.js'
import { createPartitionedSql, createPartitionSql, partitionSpec } from './partitions.js'

const PAGE = 5_000

export async function migrateToPartitions(client: ClientBase, tables: Map<string, string>): Promise<void> {
  for (const [prefix, name] of [...tables].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const spec = partitionSpec(prefix)
    if (!spec) continue
    const kind = await client.query<{ relkind: string }>('SELECT relkind FROM pg_class WHERE oid = to_regclass($1)', [quote(name)])
    if (kind.rows[0]?.relkind !== 'r') continue // already partitioned, or never made
    const old = `${name}_v1`
    await client.query(`ALTER TABLE ${quote(name)} RENAME TO ${quote(old)}`)
    await client.query(`ALTER INDEX IF EXISTS ${quote(`${name}_pkey`)} RENAME TO ${quote(`${old}_pkey`)}`)
    await client.query(createPartitionedSql(name))
    const made = new Set<number>()
    let after: Buffer | undefined
    for (;;) {
      const page = await client.query<{ k: Buffer; v: Buffer }>(
        after ? `SELECT k, v FROM ${quote(old)} WHERE k > $1 ORDER BY k LIMIT ${PAGE}` : `SELECT k, v FROM ${quote(old)} ORDER BY k LIMIT ${PAGE}`,
        after ? [after] : [],
      )
      if (page.rows.length === 0) break
      const days = page.rows.map((r) => spec.dayOf(r.k))
      for (const day of new Set(days)) {
        if (made.has(day)) continue
        await client.query(createPartitionSql(name, day))
        made.add(day)
      }
      await client.query(`INSERT INTO ${quote(name)} (k, v, p) SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bigint[])`, [
        page.rows.map((r) => r.k),
        page.rows.map((r) => r.v),
        days,
      ])
      after = page.rows[page.rows.length - 1].k
    }
    await client.query(`DROP TABLE ${quote(old)}`)
  }
}
