import type { BatchOp } from '../../storage/db.js'
import { tsKey } from '../keys.js'
import { lineOfPage } from './block-codec.js'
import type { BlockCache } from './block-cache.js'
import type { StoredBlock } from './block-search.js'
import { idOf, type BlockLine } from './lines.js'
import { blockDeletes, blockWrites } from './seal.js'

// Per-device work over the blocks: counts for reports, export, and erasing a device (docs/security.md).

/** Lines per device with ts in [from, to]; only the blocks the range cuts are read. */
export async function countByDevice(
  cache: BlockCache,
  head: readonly BlockLine[],
  blocks: readonly StoredBlock[],
  from: number,
  to: number,
): Promise<Map<string, number>> {
  const out = new Map<string, number>()
  const add = (dev: string, n: number) => out.set(dev, (out.get(dev) ?? 0) + n)
  for (const line of head) if (line.ts >= from && line.ts <= to) add(line.dev, 1)
  const low = tsKey(from)
  const high = tsKey(to + 1)
  for (const block of blocks) {
    const s = block.summary
    if (s.maxId < low || s.minId >= high) continue
    if (s.minId >= low && s.maxId < high) {
      // Wholly inside the range: the summary's counts, no read.
      s.devices.forEach((dev, i) => add(dev, s.deviceCounts[i]))
      continue
    }
    for await (const page of cache.allPages(block)) {
      for (let r = 0; r < page.ts.length; r++) if (page.ts[r] >= from && page.ts[r] <= to) add(page.devs[page.dev[r]], 1)
    }
  }
  return out
}

/** The lines of the block, those of `device` apart; undefined when the block is gone. */
async function splitBlock(cache: BlockCache, block: StoredBlock, device: string): Promise<{ own: BlockLine[]; others: BlockLine[] }> {
  const own: BlockLine[] = []
  const others: BlockLine[] = []
  const code = block.summary.devices.indexOf(device)
  for await (const page of cache.allPages(block)) {
    for (let r = 0; r < page.ts.length; r++) (page.dev[r] === code ? own : others).push(lineOfPage(page, r))
  }
  return { own, others }
}

/** Every line of `device`, oldest first. */
export async function linesOfDevice(cache: BlockCache, head: readonly BlockLine[], blocks: readonly StoredBlock[], device: string): Promise<BlockLine[]> {
  const lines = head.filter((l) => l.dev === device)
  for (const block of blocks) {
    if (!block.summary.devices.includes(device)) continue
    lines.push(...(await splitBlock(cache, block, device)).own)
  }
  const keyed = lines.map((l) => [idOf(l), l] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1))
  return keyed.map(([, l]) => l)
}

/** Rewrites each block holding `device` without its lines: one atomic write per block. */
export async function purgeBlocksOfDevice(
  cache: BlockCache,
  blocks: readonly StoredBlock[],
  device: string,
  blockLines: number,
  nextSeq: () => number,
): Promise<{ blocks: StoredBlock[]; records: number }> {
  let records = 0
  const kept: StoredBlock[] = []
  for (const block of blocks) {
    if (!block.summary.devices.includes(device)) {
      kept.push(block)
      continue
    }
    const tables = cache.tables
    const { own, others } = await splitBlock(cache, block, device)
    records += own.length
    const { ops, blocks: rewritten } = others.length > 0 ? await blockWrites(tables, others, blockLines, nextSeq) : { ops: [] as BatchOp[], blocks: [] }
    ops.push(...blockDeletes(tables, block))
    for await (const key of tables.postings.keys({ gte: `${block.key}\x00`, lt: `${block.key}\x01` })) ops.push({ type: 'del', sublevel: tables.postings, key })
    await tables.blocks.db.batch(ops as never)
    cache.evict(block)
    kept.push(...rewritten)
  }
  return { blocks: kept, records }
}
