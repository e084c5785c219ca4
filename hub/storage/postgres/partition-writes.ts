// The writer's statements on day-partitioned tables (./partitions.ts), inside the writer's transaction: rows put with
// their day (the day's partition made first when missing) and whole days dropped for retention.
import type pg from 'pg'
import { quote, type KeyRange } from './keys.js'
import { createPartitionSql, daysInside, listPartitions, type PartitionSpec } from './partitions.js'

export type PartitionOp = { type: 'put'; inner: Buffer; value: Buffer } | { type: 'del'; inner: Buffer }

/** Partitions this transaction made, [table, day]: known to exist once it commits. */
export type MadeParts = Array<[string, number]>

export class PartitionWrites {
  /** Day partitions known to exist, by table: made by this writer, or met by a write that needed them. */
  private readonly known = new Map<string, Set<number>>()

  /** Forgets every partition known: another hub dropped one this writer wrote to. */
  forget(): void {
    this.known.clear()
  }

  /** After COMMIT: the partitions the transaction made exist. */
  committed(made: MadeParts): void {
    for (const [name, day] of made) this.days(name).add(day)
  }

  /** Puts and deletes on table `name`: each row with its day; partitions made in day order (one lock order for all hubs). */
  async apply(client: pg.Client, name: string, dayOf: (key: Buffer) => number, ops: PartitionOp[], made: MadeParts): Promise<void> {
    const put = { keys: [] as Buffer[], values: [] as Buffer[], days: [] as number[] }
    const del = { keys: [] as Buffer[], days: new Set<number>() }
    for (const op of ops) {
      const day = dayOf(op.inner)
      if (op.type === 'put') {
        put.keys.push(op.inner)
        put.values.push(op.value)
        put.days.push(day)
      } else {
        del.keys.push(op.inner)
        del.days.add(day)
      }
    }
    if (del.keys.length > 0) {
      await client.query({ name: `pdel:${name}`, text: `DELETE FROM ${quote(name)} WHERE k = ANY($1::bytea[]) AND p = ANY($2::bigint[])`, values: [del.keys, [...del.days]] })
    }
    if (put.keys.length === 0) return
    const known = this.days(name)
    for (const day of [...new Set(put.days)].sort((a, b) => a - b)) {
      if (known.has(day)) continue
      await client.query(createPartitionSql(name, day))
      made.push([name, day])
    }
    await client.query({
      name: `pput:${name}`,
      text: `INSERT INTO ${quote(name)} (k, v, p) SELECT * FROM unnest($1::bytea[], $2::bytea[], $3::bigint[]) ON CONFLICT (k, p) DO UPDATE SET v = EXCLUDED.v`,
      values: [put.keys, put.values, put.days],
    })
  }

  /** Drops table `name`'s partitions of days before `beforeDay`: retention without a DELETE. */
  async dropBefore(client: pg.Client, name: string, beforeDay: number): Promise<void> {
    const parts = await listPartitions(client, name)
    await this.drop(client, name, parts, [...parts.keys()].filter((day) => day < beforeDay))
  }

  /** Drops the days of a time-led table that lie wholly inside a cleared range (inner keys). */
  async dropInside(client: pg.Client, name: string, spec: PartitionSpec, range: KeyRange): Promise<void> {
    const parts = await listPartitions(client, name)
    await this.drop(client, name, parts, daysInside(spec, parts.keys(), range))
  }

  private async drop(client: pg.Client, name: string, parts: Map<number, string>, days: number[]): Promise<void> {
    const known = this.days(name)
    for (const day of [...days].sort((a, b) => a - b)) {
      known.delete(day)
      await client.query(`DROP TABLE IF EXISTS ${quote(parts.get(day)!)}`)
    }
  }

  private days(name: string): Set<number> {
    let days = this.known.get(name)
    if (!days) this.known.set(name, (days = new Set()))
    return days
  }
}
