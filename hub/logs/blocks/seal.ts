import type { BatchOp } from '../../storage/db.js'
import { encodeStored } from '../../storage/stored-cbor.js'
import { dayOf } from '../keys.js'
import { Bloom } from './bloom.js'
import { encodeBlock, pageCount, type EncodedBlock } from './block-codec.js'
import type { BlockLine } from './lines.js'
import { rareRowKey, rareRowsOf } from './rare-rows.js'
import type { StoredBlock } from './block-search.js'
import { blockKey, pageKey, type BlockTables } from './tables.js'

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
    const sorted = list.sort(compareIds)
    for (let i = 0; i < sorted.length; i += blockLines) groups.push({ day, lines: sorted.slice(i, i + blockLines) })
  }
  return groups
}

/**
 * The order of record ids (keys.ts recordId: ts key, dev, ep, seq, k joined by \0) without building them: the ts
 * key is fixed-width hex, so it orders as the number; the \0 after each part orders a part before any longer one
 * it starts, as string comparison does; seq and k are compared as the decimal strings they are in the id.
 */
export function compareIds(a: BlockLine, b: BlockLine): number {
  if (a.ts !== b.ts) return a.ts - b.ts
  if (a.dev !== b.dev) return a.dev < b.dev ? -1 : 1
  if (a.ep !== b.ep) return a.ep < b.ep ? -1 : 1
  if (a.seq !== b.seq) return String(a.seq) < String(b.seq) ? -1 : 1
  if (a.k !== b.k) return String(a.k) < String(b.k) ? -1 : 1
  return 0
}

/** The encoded blocks of `lines` (what the seal worker runs). */
export function encodeBlocks(lines: readonly BlockLine[], blockLines: number): Promise<EncodedBlock[]> {
  return Promise.all(blockGroups(lines, blockLines).map((g) => encodeBlock(g.day, g.lines)))
}

/** The writes of encoded blocks, each under a new key (to go in one atomic batch with whatever they replace). */
export function encodedWrites(tables: BlockTables, encoded: readonly EncodedBlock[], nextSeq: () => number): { ops: BatchOp[]; blocks: StoredBlock[] } {
  const ops: BatchOp[] = []
  const blocks: StoredBlock[] = []
  for (const e of encoded) {
    const key = blockKey(e.day, nextSeq())
    e.pages.forEach((page, p) => ops.push({ type: 'put', sublevel: tables.blocks, key: pageKey(key, p), value: page }))
    for (const [word, rows] of e.postings) ops.push({ type: 'put', sublevel: tables.postings, key: `${key}\x00${word}`, value: rows })
    for (const [row, line] of e.rareRows) ops.push({ type: 'put', sublevel: tables.rareRows, key: rareRowKey(key, row), value: line })
    ops.push({ type: 'put', sublevel: tables.summaries, key, value: encodeStored(e.summary) })
    blocks.push(storedBlock(key, e.summary))
  }
  return { ops, blocks }
}

export function storedBlock(key: string, summary: EncodedBlock['summary']): StoredBlock {
  return { key, summary, bloom: Bloom.fromBytes(summary.bloom), rare: new Map(Object.entries(summary.rare ?? {})) }
}

/** The writes of new blocks for `lines`, encoded here (migration and purge). */
export async function blockWrites(
  tables: BlockTables,
  lines: readonly BlockLine[],
  blockLines: number,
  nextSeq: () => number,
): Promise<{ ops: BatchOp[]; blocks: StoredBlock[] }> {
  return encodedWrites(tables, await encodeBlocks(lines, blockLines), nextSeq)
}

/** The deletes of a stored block's rows (its posting rows apart). */
export function blockDeletes(tables: BlockTables, block: StoredBlock): BatchOp[] {
  const ops: BatchOp[] = [{ type: 'del', sublevel: tables.summaries, key: block.key }]
  if (block.summary.v === undefined) ops.push({ type: 'del', sublevel: tables.blocks, key: block.key })
  else for (let p = 0; p < pageCount(block.summary); p++) ops.push({ type: 'del', sublevel: tables.blocks, key: pageKey(block.key, p) })
  if (block.summary.rareRows) for (const row of rareRowsOf(block.summary)) ops.push({ type: 'del', sublevel: tables.rareRows, key: rareRowKey(block.key, row) })
  return ops
}
