// `outpost migrate`: copies an embedded hub's LevelDB into a PostgreSQL store, table by table in key order, a batch
// of rows per transaction. Resumable: a table's copy restarts after the greatest key already in the target (the rows
// go in key order, each batch atomic, so everything up to it is there). Verified: rows per table counted on both
// sides at the end. The source hub must be stopped (LevelDB's lock says so if it is not).
import { Level } from 'level'
import { locate, tableBounds } from './keys.js'
import { PostgresLevel } from './level.js'

export interface MigrateOptions {
  from: string
  to: string
  /** Rows per transaction (default 1000). */
  batchRows?: number
  log?: (line: string) => void
  /** Test hook: called after each committed batch with the rows copied so far in this run. */
  afterBatch?: (copied: number) => void
}

export interface TableCount {
  table: string
  source: number
  target: number
  copied: number
}

export class MigrateMismatchError extends Error {
  readonly userFacing = true
}

type RawDb = Level<Buffer, Buffer>

export async function migrate(options: MigrateOptions): Promise<TableCount[]> {
  const log = options.log ?? (() => {})
  const batchRows = options.batchRows ?? 1000
  const source: RawDb = new Level<Buffer, Buffer>(options.from, { keyEncoding: 'buffer', valueEncoding: 'buffer', createIfMissing: false })
  const target = new PostgresLevel(options.to, { keyEncoding: 'buffer', valueEncoding: 'buffer' })
  await source.open()
  try {
    await target.open()
    try {
      const counts: TableCount[] = []
      let copiedInRun = 0
      for (const prefix of await sourcePrefixes(source)) {
        const { lower, upper } = tableBounds(prefix)
        const last = await target.keys({ gte: lower, lt: upper, reverse: true, limit: 1 }).all()
        const resumeAfter = last[0] as Buffer | undefined
        let copied = 0
        let ops: Array<{ type: 'put'; key: Buffer; value: Buffer }> = []
        const flush = async () => {
          if (ops.length === 0) return
          await target.batch(ops as never)
          copied += ops.length
          copiedInRun += ops.length
          ops = []
          options.afterBatch?.(copiedInRun)
        }
        for await (const [key, value] of source.iterator(resumeAfter ? { gt: resumeAfter, lt: upper } : { gte: lower, lt: upper })) {
          ops.push({ type: 'put', key, value })
          if (ops.length >= batchRows) await flush()
        }
        await flush()
        const sourceRows = await countRows(source, lower, upper)
        const targetRows = await target.countTable(prefix)
        counts.push({ table: prefix, source: sourceRows, target: targetRows, copied })
        log(`${prefix}: ${targetRows}/${sourceRows} rows${resumeAfter ? ` (resumed, ${copied} copied now)` : ''}`)
      }
      const wrong = counts.filter((c) => c.source !== c.target)
      if (wrong.length > 0) {
        throw new MigrateMismatchError(`row counts differ after the copy: ${wrong.map((c) => `${c.table} source ${c.source} target ${c.target}`).join(', ')} (was the target used by a hub?)`)
      }
      return counts
    } finally {
      await target.close()
    }
  } finally {
    await source.close()
  }
}

/** The sublevel prefixes present in a LevelDB, in key order: one seek per table. */
async function sourcePrefixes(db: RawDb): Promise<string[]> {
  const prefixes: string[] = []
  let from: Buffer | undefined
  for (;;) {
    const [key] = await db.keys({ ...(from ? { gte: from } : {}), limit: 1 }).all()
    if (!key) return prefixes
    const { prefix } = locate(key)
    if (prefix === '') throw new Error(`the source holds a key outside any table (${JSON.stringify(key.toString('latin1').slice(0, 40))}): not a hub's data directory`)
    prefixes.push(prefix)
    from = tableBounds(prefix).upper
  }
}

async function countRows(db: RawDb, lower: Buffer, upper: Buffer): Promise<number> {
  let n = 0
  for await (const _ of db.keys({ gte: lower, lt: upper })) n++
  return n
}
