import { brotliCompressSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import { Level } from 'level'
import type { BlockLogStore } from '../../../hub/logs/index.js'
import { decodePage, pageCount, type BlockSummary } from '../../../hub/logs/blocks/block-codec.js'
import { pageKey } from '../../../hub/logs/blocks/tables.js'
import { decodeStored, encodeStored } from '../../../hub/storage/stored-cbor.js'
import { makeBlockLogHarness, type LogHarness } from './harness.js'
import { expectQueriesExact, ingestRandom } from './log-store.case.js'

// Blocks written before per-page meta (format 1: one `l-block` row per block, block-v1.ts) are still read: a data
// dir whose blocks are rewritten here in format 1, byte for byte as the encoder of that version wrote them, answers
// every query as it did, and a device purge rewrites the blocks it touches in the current format.

/** A format-2 block's rows as format 1 wrote them: the meta of every row in one section, then the text pages. */
async function toFormat1(summary: BlockSummary, pages: Uint8Array[]): Promise<{ block: Uint8Array; summary: BlockSummary }> {
  const decoded = await Promise.all(pages.map((bytes, p) => decodePage(bytes, summary, p)))
  const all = <K extends 'ts' | 'dev' | 'ep' | 'seq' | 'k' | 'level' | 'comp'>(k: K) => decoded.flatMap((d) => d[k])
  const ts = all('ts').map((t, i, a) => t - (i === 0 ? 0 : a[i - 1]))
  const meta = { ts, devs: summary.devices, dev: all('dev'), eps: summary.epochs, ep: all('ep'), seq: all('seq'), k: all('k'), level: all('level'), comps: summary.components, comp: all('comp') }
  const sections = [meta, ...decoded.map((d) => ({ message: d.message, attrs: d.attrs, traceId: d.traceId, spanId: d.spanId }))].map((s) => brotliCompressSync(encodeStored(s)))
  const head = Buffer.alloc(4 + 4 * sections.length)
  head.writeUInt32LE(sections.length, 0)
  sections.forEach((s, i) => head.writeUInt32LE(s.length, 4 + 4 * i))
  const { v: _v, epochs: _e, rare: _r, ...old } = summary
  return { block: Buffer.concat([head, ...sections]), summary: old }
}

async function rewriteAsFormat1(dir: string): Promise<number> {
  const db = new Level<string, any>(dir)
  await db.open()
  const blocks = db.sublevel<string, Uint8Array>('l-block', { valueEncoding: 'view' })
  const summaries = db.sublevel<string, Uint8Array>('l-bsum', { valueEncoding: 'view' })
  let n = 0
  for await (const [key, bytes] of summaries.iterator()) {
    const summary = decodeStored<BlockSummary>(bytes)
    expect(summary.v).toBe(2)
    const keys = Array.from({ length: pageCount(summary) }, (_, p) => pageKey(key, p))
    const v1 = await toFormat1(summary, (await blocks.getMany(keys)) as Uint8Array[])
    await db.batch([
      ...keys.map((k) => ({ type: 'del' as const, sublevel: blocks, key: k })),
      { type: 'put', sublevel: blocks, key, value: v1.block },
      { type: 'put', sublevel: summaries, key, value: encodeStored(v1.summary) },
    ] as never)
    n++
  }
  await db.close()
  return n
}

async function storedSummaries(dir: string): Promise<BlockSummary[]> {
  const db = new Level<string, any>(dir)
  await db.open()
  const out: BlockSummary[] = []
  for await (const bytes of db.sublevel<string, Uint8Array>('l-bsum', { valueEncoding: 'view' }).values()) out.push(decodeStored<BlockSummary>(bytes))
  await db.close()
  return out
}

describe('log blocks of format 1', () => {
  let h: LogHarness<BlockLogStore> | undefined
  afterEach(async () => {
    await h?.cleanup()
    h = undefined
  })

  it('are read as they were written: every query, export, counts; a purge rewrites them in format 2', async () => {
    h = await makeBlockLogHarness({ blockLines: 700 })
    const stored = await ingestRandom(h, 2000, 9)
    await h.seal()
    const errors = await h.logs.errorSummary({ from: -Infinity, to: Infinity, limit: 1000 })
    const counts = await h.logs.countByDevice(-8.64e15, 8.64e15)
    await h.close()
    expect(await rewriteAsFormat1(h.dir)).toBeGreaterThan(2)

    h = await makeBlockLogHarness({ blockLines: 700 }, h.dir)
    await expectQueriesExact(h.logs, stored, [13, 1000])
    expect(await h.logs.errorSummary({ from: -Infinity, to: Infinity, limit: 1000 })).toEqual(errors)
    expect(await h.logs.countByDevice(-8.64e15, 8.64e15)).toEqual(counts)
    const exported: unknown[] = []
    for await (const log of h.logs.exportDevice('pi-2')) exported.push(log)
    expect(exported).toHaveLength(stored.filter((s) => s.device === 'pi-2').length)

    const purged = stored.filter((s) => s.device === 'pi-3').length
    expect(await h.logs.purgeDevice('pi-3')).toEqual({ records: purged })
    const rest = stored.filter((s) => s.device !== 'pi-3')
    await expectQueriesExact(h.logs, rest, [1000])
    await h.reopen()
    await expectQueriesExact(h.logs, rest, [1000])
    await h.close()
    const summaries = await storedSummaries(h.dir)
    // The blocks that held pi-3 lines were rewritten; the others are still of format 1.
    expect(summaries.filter((s) => s.v === 2).length).toBeGreaterThan(0)
    expect(summaries.every((s) => !s.devices.includes('pi-3'))).toBe(true)
    h = await makeBlockLogHarness({ blockLines: 700 }, h.dir)
  })
})
