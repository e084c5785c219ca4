import type { BatchOp } from '../../storage/db.js'
import { encodeStored } from '../../storage/stored-cbor.js'
import { Bloom } from '../../logs/blocks/bloom.js'
import type { StoredSpan } from '../records.js'
import { encodeSpanBlock, type SpanBlockSummary } from './block-codec.js'
import { spanBlockKey, windowOf, type SpanBlockTables } from './tables.js'

/** A block as the store keeps it in memory. */
export interface StoredSpanBlock {
  key: string
  summary: SpanBlockSummary
  bloom: Bloom
}

/** Spans grouped by hour of start, each group sorted by start and cut into blocks of at most `blockSpans`. */
export function spanGroups(spans: readonly StoredSpan[], blockSpans: number): Array<{ window: number; spans: StoredSpan[] }> {
  const byWindow = new Map<number, StoredSpan[]>()
  for (const span of spans) {
    const window = windowOf(span.start)
    const list = byWindow.get(window)
    if (list) list.push(span)
    else byWindow.set(window, [span])
  }
  const groups: Array<{ window: number; spans: StoredSpan[] }> = []
  for (const [window, list] of [...byWindow].sort((a, b) => a[0] - b[0])) {
    list.sort((a, b) => a.start - b.start)
    for (let i = 0; i < list.length; i += blockSpans) groups.push({ window, spans: list.slice(i, i + blockSpans) })
  }
  return groups
}

/** The writes of new blocks for `spans` (to go in one atomic batch with whatever they replace), and the blocks. */
export async function spanBlockWrites(
  tables: SpanBlockTables,
  spans: readonly StoredSpan[],
  blockSpans: number,
  nextSeq: () => number,
): Promise<{ ops: BatchOp[]; blocks: StoredSpanBlock[] }> {
  const ops: BatchOp[] = []
  const blocks: StoredSpanBlock[] = []
  const groups = spanGroups(spans, blockSpans)
  const encoded = await Promise.all(groups.map((g) => encodeSpanBlock(g.window, g.spans)))
  encoded.forEach((e, i) => {
    const key = spanBlockKey(groups[i].window, nextSeq())
    ops.push({ type: 'put', sublevel: tables.blocks, key, value: e.block })
    ops.push({ type: 'put', sublevel: tables.summaries, key, value: encodeStored(e.summary) })
    blocks.push({ key, summary: e.summary, bloom: Bloom.fromBytes(e.summary.bloom) })
  })
  return { ops, blocks }
}

/** The deletes of a stored block's rows. */
export function spanBlockDeletes(tables: SpanBlockTables, key: string): BatchOp[] {
  return [
    { type: 'del', sublevel: tables.blocks, key },
    { type: 'del', sublevel: tables.summaries, key },
  ]
}
