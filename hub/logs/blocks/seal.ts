import type { BatchOp } from '../../storage/db.js'
import { encodeStored } from '../../storage/stored-cbor.js'
import { dayOf } from '../keys.js'
import { Bloom } from './bloom.js'
import { encodeBlock } from './block-codec.js'
import { idOf, type BlockLine } from './lines.js'
import type { StoredBlock } from './block-search.js'
import { blockKey, type BlockTables } from './tables.js'

/** Lines grouped by UTC day, each group sorted by record id and cut into blocks of at most `blockLines`. */
export function blockGroups(lines: readonly BlockLine[], blockLines: number): Array<{ day: number; lines: BlockLine[] }> {
  const byDay = new Map<number, BlockLine[]>()
  for (const line of lines) {
    const day = dayOf(line.ts)
    const list = byDay.get(day)
    if (list) list.push(line)
    else byDay.set(day, [line])
  }
  const groups: Array<{ day: number; lines: BlockLine[] }> = []
  for (const [day, list] of [...byDay].sort((a, b) => a[0] - b[0])) {
    const keyed = list.map((line) => [idOf(line), line] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    const sorted = keyed.map(([, line]) => line)
    for (let i = 0; i < sorted.length; i += blockLines) groups.push({ day, lines: sorted.slice(i, i + blockLines) })
  }
  return groups
}

/** The writes of new blocks for `lines` (to go in one atomic batch with whatever they replace), and the blocks. */
export async function blockWrites(
  tables: BlockTables,
  lines: readonly BlockLine[],
  blockLines: number,
  nextSeq: () => number,
): Promise<{ ops: BatchOp[]; blocks: StoredBlock[] }> {
  const ops: BatchOp[] = []
  const blocks: StoredBlock[] = []
  const groups = blockGroups(lines, blockLines)
  const encoded = await Promise.all(groups.map((g) => encodeBlock(g.day, g.lines, g.lines.map(idOf))))
  encoded.forEach((e, i) => {
    const key = blockKey(groups[i].day, nextSeq())
    ops.push({ type: 'put', sublevel: tables.blocks, key, value: e.block })
    for (const [word, rows] of e.postings) ops.push({ type: 'put', sublevel: tables.postings, key: `${key}\x00${word}`, value: rows })
    ops.push({ type: 'put', sublevel: tables.summaries, key, value: encodeStored(e.summary) })
    blocks.push({ key, summary: e.summary, bloom: Bloom.fromBytes(e.summary.bloom) })
  })
  return { ops, blocks }
}

/** The deletes of a stored block's rows. */
export function blockDeletes(tables: BlockTables, key: string): BatchOp[] {
  return [
    { type: 'del', sublevel: tables.blocks, key },
    { type: 'del', sublevel: tables.summaries, key },
  ]
}
