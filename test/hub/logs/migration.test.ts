import { afterEach, describe, expect, it } from 'vitest'
import { Level } from 'level'
import type { BlockLogStore } from '../../../hub/logs/index.js'
import { makeBlockLogHarness, makeLogHarness, type LogHarness } from './harness.js'
import { expectQueriesExact, ingestRandom } from './log-store.case.js'

// A data dir written by the LevelDB log store (one row per line, main before blocks) opened by the block store:
// the records move into blocks at start, every query answers the same, nothing is left in the old tables.

async function rows(dir: string, prefix: string): Promise<number> {
  const db = new Level<string, any>(dir)
  await db.open()
  let n = 0
  for await (const _ of db.sublevel(prefix, { valueEncoding: 'view' }).keys()) n++
  await db.close()
  return n
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

describe('log store migration to blocks', () => {
  let h: LogHarness<BlockLogStore> | undefined
  afterEach(async () => {
    await h?.cleanup()
    h = undefined
  })

  it('moves every record of a LevelDB log store into blocks at start and answers every query the same', async () => {
    const old = await makeLogHarness()
    const stored = await ingestRandom(old, 1200, 5)
    const errorsBefore = await old.logs.errorSummary({ from: -Infinity, to: Infinity, limit: 1000 })
    const exportBefore = await collect(old.logs.exportDevice('pi-2'))
    const counts = await old.logs.countByDevice(-8.64e15, 8.64e15)
    await old.close()
    const dir = old.dir
    expect(await rows(dir, 'l-rec')).toBe(1200)
    expect(await rows(dir, 'l-idx')).toBeGreaterThan(1200)

    h = await makeBlockLogHarness({ blockLines: 256 }, dir)
    expect(h.logs.stats()).toMatchObject({ headLines: 0, blockLines: 1200 })
    await expectQueriesExact(h.logs, stored, [17, 1000])
    expect(await h.logs.errorSummary({ from: -Infinity, to: Infinity, limit: 1000 })).toEqual(errorsBefore)
    expect(await collect(h.logs.exportDevice('pi-2'))).toEqual(exportBefore)
    expect(await h.logs.countByDevice(-8.64e15, 8.64e15)).toEqual(counts)
    // Batches stored before the migration are still known: sent again, they are not stored twice.
    expect((await h.ingest('pi-1', 1, [{ ts: 0, level: 'info', message: 'again' }])).duplicate).toBe(true)
    await h.close()
    expect(await rows(dir, 'l-rec')).toBe(0)
    expect(await rows(dir, 'l-idx')).toBe(0)
    h = await makeBlockLogHarness({ blockLines: 256 }, dir)
    await expectQueriesExact(h.logs, stored, [1000])
  })
})
