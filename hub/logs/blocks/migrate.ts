import { decodeStored } from '../../storage/stored-cbor.js'
import { MS_64, parseHexKey } from '../../storage/time-keys.js'
import type { StoredLog } from '../types.js'
import type { BlockLine } from './lines.js'
import { blockWrites } from './seal.js'
import type { BlockTables } from './tables.js'

// Data dirs written before blocks keep their logs as one `l-rec` row per line with a dozen `l-idx` postings. At
// start they are moved into blocks, `blockLines` records at a time, each step one atomic write of the new blocks
// and the deletes of the records they hold: a crash mid-way resumes where it stopped, nothing lost or doubled.
// Error aggregates (`l-err`) keep their format. The postings go last, once no record is left.

const STEP = 65_536

/** Lines moved. */
export async function migrateLegacyLogs(tables: BlockTables, blockLines: number, nextSeq: () => number): Promise<number> {
  let moved = 0
  for (;;) {
    const keys: string[] = []
    const lines: BlockLine[] = []
    for await (const [id, bytes] of tables.legacyRecords.iterator({ limit: STEP })) {
      const log = decodeStored<StoredLog>(bytes)
      // id: `${tsKey}\0${dev}\0${ep}\0${seq}\0${k}` (keys.ts recordId).
      const [, dev, ep, seq, k] = id.split('\x00')
      const line: BlockLine = { ts: parseHexKey(id, MS_64), dev, ep, seq: Number(seq), k: Number(k), level: log.level, message: log.message }
      if (log.component !== undefined) line.component = log.component
      if (log.attrs !== undefined) line.attrs = log.attrs
      if (log.traceId !== undefined) line.traceId = log.traceId
      if (log.spanId !== undefined) line.spanId = log.spanId
      keys.push(id)
      lines.push(line)
    }
    if (keys.length === 0) break
    const { ops } = await blockWrites(tables, lines, blockLines, nextSeq)
    for (const key of keys) ops.push({ type: 'del', sublevel: tables.legacyRecords, key })
    await tables.blocks.db.batch(ops as never)
    moved += keys.length
  }
  const anyPosting = await tables.legacyIndex.keys({ limit: 1 }).all()
  if (anyPosting.length > 0) await tables.legacyIndex.clear()
  return moved
}
