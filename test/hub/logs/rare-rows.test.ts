import { afterEach, describe, expect, it } from 'vitest'
import { Level } from 'level'
import type { LogLevel, LogRecord } from '../../../protocol/batch.js'
import type { BlockLogStore, LogEntry, LogQuery } from '../../../hub/logs/index.js'
import type { BlockSummary } from '../../../hub/logs/blocks/block-codec.js'
import { rareRowsOf } from '../../../hub/logs/blocks/rare-rows.js'
import { decodeStored, encodeStored } from '../../../hub/storage/stored-cbor.js'
import { makeBlockLogHarness, type LogHarness } from './harness.js'
import { expectQueriesExact, ingestRandom } from './log-store.case.js'

// Rare rows (hub/logs/blocks/rare-rows.ts, docs/logs.md): the lines of a block's rare words are kept on their own in
// `l-brow`, so a search for a rare word reads them instead of the block's pages. Proved here by deleting every page
// and posting row: the rare-word searches still answer exactly, every field included. Blocks sealed before rare rows
// (no `l-brow` rows, no `rareRows` in the summary) are still read through their pages, and a purge or a prune
// leaves no rare row behind.

const T0 = Date.UTC(2026, 4, 2, 8)
const LEVELS: LogLevel[] = ['debug', 'info', 'warning', 'error', 'critical']
const ALL = { from: -Infinity, to: Infinity }

/** 1,200 lines of five devices in one day; one in 50 names the watchdog (2 a block of 100), some of them with trace ids and attrs. */
async function ingestLines(h: LogHarness<BlockLogStore>): Promise<void> {
  for (let b = 0; b < 24; b++) {
    const records: LogRecord[] = []
    for (let k = 0; k < 50; k++) {
      const n = b * 50 + k
      const rare = n % 50 === 17
      const record: LogRecord = {
        ts: T0 + n * 1000,
        level: LEVELS[n % 5],
        message: rare ? `watchdog fired on line ${n} modbus` : `reading ${n} modbus ok`,
        component: n % 3 === 0 ? undefined : ['net', 'db'][n % 2],
      }
      if (record.component === undefined) delete record.component
      if (rare && b % 2 === 0) Object.assign(record, { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), attrs: { n, tags: ['x'] } })
      records.push(record)
    }
    await h.ingest(`pi-${b % 5}`, Math.floor(b / 5) + 1, records)
  }
}

const RARE_QUERIES: Array<Omit<LogQuery, 'limit'>> = [
  { ...ALL, words: ['watchdog'] },
  { ...ALL, words: ['watchdog'], levels: ['warning', 'critical'] },
  { ...ALL, words: ['watchdog', 'modbus'], device: 'pi-2' },
  { ...ALL, words: ['watchdog', 'fired'], component: 'db' },
  { from: T0 + 200_000, to: T0 + 900_000, words: ['watchdog'] },
  { ...ALL, words: ['watchdog', '417'] },
]

async function answers(logs: BlockLogStore): Promise<LogEntry[][]> {
  const out: LogEntry[][] = []
  for (const query of RARE_QUERIES) {
    for (const limit of [1, 5, 100]) {
      const pages: LogEntry[] = []
      let after: string | undefined
      for (let i = 0; i < 100; i++) {
        const page = await logs.query({ ...query, limit, ...(after ? { after } : {}) })
        pages.push(...page.logs)
        if (page.next === null) break
        after = page.next
      }
      out.push(pages)
    }
  }
  return out
}

async function withDb<T>(dir: string, work: (db: Level<string, any>) => Promise<T>): Promise<T> {
  const db = new Level<string, any>(dir)
  await db.open()
  try {
    return await work(db)
  } finally {
    await db.close()
  }
}

const table = (db: Level<string, any>, name: string) => db.sublevel<string, Uint8Array>(name, { valueEncoding: 'view' })

async function keysOf(dir: string, name: string): Promise<string[]> {
  return withDb(dir, async (db) => {
    const keys: string[] = []
    for await (const key of table(db, name).keys()) keys.push(key)
    return keys
  })
}

async function summaries(dir: string): Promise<Map<string, BlockSummary>> {
  return withDb(dir, async (db) => {
    const out = new Map<string, BlockSummary>()
    for await (const [key, bytes] of table(db, 'l-bsum').iterator()) out.set(key, decodeStored<BlockSummary>(bytes))
    return out
  })
}

/** The rare rows the summaries name, as `l-brow` keys. */
function namedRows(all: Map<string, BlockSummary>): string[] {
  return [...all].flatMap(([key, s]) => (s.rareRows ? rareRowsOf(s).map((row) => `${key}\x00${String(row).padStart(6, '0')}`) : [])).sort()
}

describe('log blocks: rare rows', () => {
  let h: LogHarness<BlockLogStore> | undefined
  afterEach(async () => {
    await h?.cleanup()
    h = undefined
  })

  it('a rare-word search reads only the rare rows: the same answers, every field, with pages and postings deleted', async () => {
    h = await makeBlockLogHarness({ blockLines: 100 })
    await ingestLines(h)
    // From the head, in memory: what the blocks must answer.
    const expected = await answers(h.logs)
    expect(expected[2].length).toBe(24)
    expect(expected[2].filter((e) => e.traceId !== null && e.attrs.tags !== undefined).length).toBe(12)
    await h.seal()
    expect(await answers(h.logs)).toEqual(expected)
    await h.close()
    const stored = await summaries(h.dir)
    // Blocks of at most 100 lines: at most 2 watchdog lines each, a rare word in every block holding it.
    expect(stored.size).toBeGreaterThanOrEqual(12)
    expect([...stored.values()].every((s) => s.rareRows === true)).toBe(true)
    expect([...stored.values()].reduce((n, s) => n + (s.rare?.watchdog?.length ?? 0) / 2, 0)).toBe(24)
    expect(await keysOf(h.dir, 'l-brow')).toEqual(namedRows(stored))
    await withDb(h.dir, async (db) => {
      await table(db, 'l-block').clear()
      await table(db, 'l-bpost').clear()
    })
    h = await makeBlockLogHarness({ blockLines: 100 }, h.dir)
    expect(await answers(h.logs)).toEqual(expected)
    // A common word needs the pages, which are gone: proof the searches above did not read them.
    expect((await h.logs.query({ ...ALL, words: ['reading'], limit: 10 })).logs).toEqual([])
  })

  it('blocks sealed before rare rows are read through their pages; a purge rewrites them with rare rows', async () => {
    h = await makeBlockLogHarness({ blockLines: 300 })
    const stored = await ingestRandom(h, 2000, 23)
    await h.seal()
    await h.close()
    // As the previous version wrote them: no `l-brow` rows, no `rareRows` in the summary.
    const before = await summaries(h.dir)
    await withDb(h.dir, async (db) => {
      await table(db, 'l-brow').clear()
      for (const [key, summary] of before) {
        const { rareRows: _r, ...old } = summary
        await table(db, 'l-bsum').put(key, encodeStored(old))
      }
    })
    h = await makeBlockLogHarness({ blockLines: 300 }, h.dir)
    await expectQueriesExact(h.logs, stored, [7, 1000])
    expect(await h.logs.purgeDevice('pi-1')).toEqual({ records: stored.filter((s) => s.device === 'pi-1').length })
    const rest = stored.filter((s) => s.device !== 'pi-1')
    await expectQueriesExact(h.logs, rest, [1000])
    await h.close()
    const after = await summaries(h.dir)
    expect([...after.values()].some((s) => s.rareRows === true)).toBe(true)
    expect([...after.values()].some((s) => s.rareRows === undefined)).toBe(true)
    expect(await keysOf(h.dir, 'l-brow')).toEqual(namedRows(after))
    h = await makeBlockLogHarness({ blockLines: 300 }, h.dir)
    await expectQueriesExact(h.logs, rest, [1000])
  })

  it('a purge and a prune delete the rare rows of the blocks they delete', async () => {
    h = await makeBlockLogHarness({ blockLines: 300, retentionMs: 86_400_000 })
    const stored = await ingestRandom(h, 2000, 5)
    await h.seal()
    await h.close()
    const sealed = await summaries(h.dir)
    expect(namedRows(sealed).length).toBeGreaterThan(10)
    expect(await keysOf(h.dir, 'l-brow')).toEqual(namedRows(sealed))
    h = await makeBlockLogHarness({ blockLines: 300, retentionMs: 86_400_000 }, h.dir)
    await h.logs.purgeDevice('pi-2')
    await expectQueriesExact(h.logs, stored.filter((s) => s.device !== 'pi-2'), [1000])
    await h.close()
    expect(await keysOf(h.dir, 'l-brow')).toEqual(namedRows(await summaries(h.dir)))
    h = await makeBlockLogHarness({ blockLines: 300, retentionMs: 86_400_000 }, h.dir)
    expect((await h.logs.prune(Date.UTC(2030, 0, 1))).days).toBeGreaterThan(0)
    await h.close()
    expect(await keysOf(h.dir, 'l-brow')).toEqual([])
    expect((await summaries(h.dir)).size).toBe(0)
    h = await makeBlockLogHarness({ blockLines: 300, retentionMs: 86_400_000 }, h.dir)
  })
})
