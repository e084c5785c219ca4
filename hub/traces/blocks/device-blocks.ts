import type { BatchOp } from '../../storage/db.js'
import type { StoredSpan } from '../records.js'
import { spanBlockDeletes, spanBlockWrites, type StoredSpanBlock } from './seal.js'
import type { SpanBlockCache } from './span-cache.js'
import type { DecodedSpanBlock } from './block-codec.js'

// Work that rewrites or reads whole blocks: a device's spans (export, erase) and retention.

async function allSpans(d: DecodedSpanBlock): Promise<StoredSpan[]> {
  const rows: Array<[number, string]> = []
  ;(await d.index()).forEachRow((row, traceId) => rows.push([row, traceId]))
  return Promise.all(rows.map(([row, traceId]) => d.span(row, traceId)))
}

/** Every span of `device` in the blocks, block by block. */
export async function* blockSpansOfDevice(cache: SpanBlockCache, blocks: readonly StoredSpanBlock[], device: string): AsyncGenerator<StoredSpan> {
  for (const block of blocks) {
    if (!block.summary.devices.includes(device)) continue
    const d = await cache.get(block.key)
    if (!d) continue
    const cols = await d.filter()
    const code = cols.index.devs.indexOf(device)
    const rows: Array<[number, string]> = []
    ;(await d.index()).forEachRow((row, traceId) => cols.cols.dev[row] === code && rows.push([row, traceId]))
    for (const [row, traceId] of rows) yield await d.span(row, traceId)
  }
}

/**
 * Rewrites every block `drop` touches (`touches` says from its summary) without the spans `drop` selects: one atomic
 * write per block (the new block and the delete of the old), so a crash leaves each block old or new, never both.
 */
export async function rewriteBlocks(
  cache: SpanBlockCache,
  blocks: readonly StoredSpanBlock[],
  touches: (block: StoredSpanBlock) => boolean,
  drop: (span: StoredSpan) => boolean,
  blockSpans: number,
  nextSeq: () => number,
  /** Blocks whose spans `drop` selects all, known from the summary: deleted unread. */
  whole: (block: StoredSpanBlock) => boolean = () => false,
): Promise<{ blocks: StoredSpanBlock[]; spans: number }> {
  let dropped = 0
  const kept: StoredSpanBlock[] = []
  const tables = cache.tables
  for (const block of blocks) {
    if (!touches(block)) {
      kept.push(block)
      continue
    }
    if (whole(block)) {
      await tables.blocks.db.batch(spanBlockDeletes(tables, block.key) as never)
      cache.evict(block.key)
      dropped += block.summary.count
      continue
    }
    const d = await cache.get(block.key)
    const others: StoredSpan[] = []
    if (d) for (const span of await allSpans(d)) {
      if (drop(span)) dropped++
      else others.push(span)
    }
    const { ops, blocks: rewritten } = others.length > 0 ? await spanBlockWrites(tables, others, blockSpans, nextSeq) : { ops: [] as BatchOp[], blocks: [] }
    ops.push(...spanBlockDeletes(tables, block.key))
    await tables.blocks.db.batch(ops as never)
    cache.evict(block.key)
    kept.push(...rewritten)
  }
  return { blocks: kept, spans: dropped }
}
