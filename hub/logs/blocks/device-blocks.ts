import type { BatchOp } from '../../storage/db.js'
import { tsKey } from '../keys.js'
import type { DecodedBlock } from './block-codec.js'
import type { BlockCache } from './block-cache.js'
import type { StoredBlock } from './block-search.js'
import { idOf, type BlockLine } from './lines.js'
import { blockDeletes, blockWrites } from './seal.js'

// Per-device work over the blocks: counts for reports, export, and erasing a device (docs/security.md).

function decoded(cache: BlockCache, block: StoredBlock): Promise<DecodedBlock | undefined> {
  return cache.get(block.key)
}

/** Lines per device with ts in [from, to]; only the blocks the range cuts are read. */
export async function countByDevice(
  tables: BlockCache,
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
    const d = await decoded(tables, block)
    if (!d) continue
    for (let row = 0; row < d.count; row++) if (d.meta.ts[row] >= from && d.meta.ts[row] <= to) add(d.meta.devs[d.meta.dev[row]], 1)
  }
  return out
}

/** Every line of `device`, oldest first. */
export async function linesOfDevice(tables: BlockCache, head: readonly BlockLine[], blocks: readonly StoredBlock[], device: string): Promise<BlockLine[]> {
  const lines = head.filter((l) => l.dev === device)
  for (const block of blocks) {
    if (!block.summary.devices.includes(device)) continue
    const d = await decoded(tables, block)
    if (!d) continue
    const code = d.meta.devs.indexOf(device)
    for (let row = 0; row < d.count; row++) if (d.meta.dev[row] === code) lines.push(await d.line(row))
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
    const d = await decoded(cache, block)
    const others: BlockLine[] = []
    if (d) for (let row = 0; row < d.count; row++) {
      const line = await d.line(row)
      if (line.dev === device) records++
      else others.push(line)
    }
    const { ops, blocks: rewritten } = others.length > 0 ? await blockWrites(tables, others, blockLines, nextSeq) : { ops: [] as BatchOp[], blocks: [] }
    ops.push(...blockDeletes(tables, block.key))
    for await (const key of tables.postings.keys({ gte: `${block.key}\x00`, lt: `${block.key}\x01` })) ops.push({ type: 'del', sublevel: tables.postings, key })
    await tables.blocks.db.batch(ops as never)
    cache.evict(block.key)
    kept.push(...rewritten)
  }
  return { blocks: kept, records }
}
