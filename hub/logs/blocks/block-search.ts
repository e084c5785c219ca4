import { LOG_LEVELS } from '../../../protocol/batch.js'
import { tsKey } from '../keys.js'
import { parseHexKey, MS_64 } from '../../storage/time-keys.js'
import type { LogQuery } from '../types.js'
import { Bloom, bloomHash1, bloomHash2 } from './bloom.js'
import { hasDigit, levelTerm, lineOfPage, PAGE_ROWS, type BlockSummary, type DecodedPage } from './block-codec.js'
import { idOf, lineTerms, type BlockLine } from './lines.js'
import type { BlockCache } from './block-cache.js'
import { intersectRows } from './varint.js'

// Reads for GET /v1/logs over the head (in memory) and the blocks, newest first. Blocks are visited by their
// newest id, so a query stops as soon as no unread block can hold an id above the `limit`-th found.

export interface StoredBlock {
  key: string
  summary: BlockSummary
  bloom: Bloom
  /** summary.rare as a map: the rows and levels of the block's rare words. */
  rare: Map<string, number[]>
}

/** Above every record id (they start with hex digits). */
const ID_CEILING = '~'
/** Blocks read at once: the first round is small (a common word fills a page from one block), later ones grow. */
const FETCH_FIRST = 4
const FETCH_MAX = 64
/** Blocks a round may take when their rare-word rows are known (rareHits). */
const FETCH_RARE_MAX = 512

/** Record-id bounds [low, high) of a time range, optionally continuing below a cursor. */
export function idRange(from: number, to: number, after?: string): { low: string; high: string } {
  const low = Number.isFinite(from) ? tsKey(from) : ''
  let high = Number.isFinite(to) ? `${tsKey(to)}\x01` : ID_CEILING
  if (after !== undefined && after < high) high = after
  return { low, high }
}

interface Plan {
  query: LogQuery
  low: string
  high: string
  levels: number
  plainWords: string[]
  digitWords: string[]
  /** Each word's two Bloom hashes, computed once for every block's filter. */
  hashes: Array<[number, number]>
  /** Postings alone say which rows match (no device, component or digit-word filter to check on the lines). */
  exact: boolean
}

export function planOf(query: LogQuery): Plan {
  const { low, high } = idRange(query.from, query.to, query.after)
  const words = query.words ?? []
  let levels = 0
  for (const l of query.levels ?? LOG_LEVELS) levels |= 1 << LOG_LEVELS.indexOf(l)
  const digitWords = words.filter(hasDigit)
  const exact = query.device === undefined && query.component === undefined && digitWords.length === 0
  return { query, low, high, levels, plainWords: words.filter((w) => !hasDigit(w)), digitWords, hashes: words.map((w) => [bloomHash1(w), bloomHash2(w)]), exact }
}

function lineMatches(line: BlockLine, plan: Plan): boolean {
  const q = plan.query
  if (q.device !== undefined && line.dev !== q.device) return false
  if (q.component !== undefined && line.component !== q.component) return false
  if ((plan.levels & (1 << LOG_LEVELS.indexOf(line.level))) === 0) return false
  if (plan.plainWords.length + plan.digitWords.length > 0) {
    const terms = lineTerms(line)
    for (const w of q.words!) if (!terms.includes(w)) return false
  }
  const id = idOf(line)
  return id >= plan.low && id < plan.high
}

function blockMayMatch(block: StoredBlock, plan: Plan): boolean {
  const s = block.summary
  const q = plan.query
  if (s.maxId < plan.low || s.minId >= plan.high) return false
  if ((s.levels & plan.levels) === 0) return false
  if (q.device !== undefined && !s.devices.includes(q.device)) return false
  if (q.component !== undefined && !s.components.includes(q.component)) return false
  for (const [h1, h2] of plan.hashes) if (!block.bloom.mayHoldHashes(h1, h2)) return false
  // A rare word of the block in no row at the wanted levels: nothing to read.
  return rareHits(block, plan) !== 0
}

/** At most this many matches of the block, when its summary has the rows of one of the plan's words. */
function rareHits(block: StoredBlock, plan: Plan): number | undefined {
  let fewest: number | undefined
  for (const word of plan.plainWords) {
    const inline = block.rare.get(word)
    if (inline === undefined) continue
    let hits = 0
    for (let i = 1; i < inline.length; i += 2) if ((plan.levels & (1 << inline[i])) !== 0) hits++
    fewest = Math.min(fewest ?? hits, hits)
  }
  return fewest
}

/** Candidate rows of the block (ascending) from its postings, or undefined for every row. */
async function candidateRows(cache: BlockCache, block: StoredBlock, plan: Plan): Promise<number[] | undefined> {
  if (plan.plainWords.length === 0) return undefined
  const lists: number[][] = []
  const read: string[] = []
  let inlineLevels: number[] | undefined
  for (const word of plan.plainWords) {
    const inline = block.rare.get(word)
    if (inline === undefined) {
      read.push(word)
      continue
    }
    // A rare word: its rows and their levels are in memory.
    const rows: number[] = []
    for (let i = 0; i < inline.length; i += 2) if ((plan.levels & (1 << inline[i + 1])) !== 0) rows.push(inline[i])
    lists.push(rows)
    inlineLevels = rows
  }
  if (read.length > 0) {
    const postings = await cache.postings(block, read)
    // A Bloom false positive: nothing here.
    if (postings.some((p) => p === undefined)) return []
    for (const p of postings) lists.push(p!)
  }
  if (inlineLevels === undefined && plan.query.levels !== undefined) {
    // Words at some levels: the union of the levels' rows joins the intersection, so a block without a matching
    // row is never decoded.
    const levels = plan.query.levels.map((l) => LOG_LEVELS.indexOf(l)).filter((l) => (block.summary.levels & (1 << l)) !== 0)
    const rows = await cache.postings(block, levels.map(levelTerm))
    lists.push(levels.length === 1 ? (rows[0] ?? []) : rows.flatMap((r) => r ?? []).sort((a, b) => a - b))
  }
  return intersectRows(lists)
}

/**
 * The rows, at the plan's levels, of the plan's word with the fewest in the block, when that is a rare word whose
 * lines are rare rows (rare-rows.ts); undefined otherwise.
 */
function rareRowsToRead(block: StoredBlock, plan: Plan): number[] | undefined {
  if (!block.summary.rareRows) return undefined
  let fewest: number[] | undefined
  for (const word of plan.plainWords) {
    const inline = block.rare.get(word)
    if (inline === undefined) continue
    const rows: number[] = []
    for (let i = 0; i < inline.length; i += 2) if ((plan.levels & (1 << inline[i + 1])) !== 0) rows.push(inline[i])
    if (fewest === undefined || rows.length < fewest.length) fewest = rows
  }
  return fewest
}

/** Rows of the block matching the plan, highest id first, at most `want`; `rows` its candidateRows, null for rare rows. */
async function blockMatches(cache: BlockCache, block: StoredBlock, plan: Plan, want: number, rows: number[] | undefined | null): Promise<Array<[string, BlockLine]>> {
  const rare = rows === null ? rareRowsToRead(block, plan) : undefined
  if (rare !== undefined) {
    // A handful of lines read on their own: the other words and filters are checked on them.
    const lines = await cache.rareLines(block, rare)
    const out: Array<[string, BlockLine]> = []
    for (let i = lines.length - 1; i >= 0 && out.length < want; i--) {
      const line = lines[i]
      // Deleted since the summary was read (prune, purge).
      if (line === undefined) return []
      if (lineMatches(line, plan)) out.push([idOf(line), line])
    }
    return out
  }
  if (rows === null) return []
  if (rows !== undefined && rows.length === 0) return []
  // The pages of the newest `want` candidates in one read: all a search needs unless filters drop rows.
  const pages = new Set<number>()
  if (rows) for (const r of rows.slice(-want)) pages.add(Math.floor(r / PAGE_ROWS))
  else for (let p = Math.floor(Math.max(0, block.summary.count - want) / PAGE_ROWS); p * PAGE_ROWS < block.summary.count; p++) pages.add(p)
  void cache.pages(block, [...pages]).catch(() => undefined)
  const q = plan.query
  const highTs = plan.high === ID_CEILING ? Infinity : parseHexKey(plan.high, MS_64)
  const out: Array<[string, BlockLine]> = []
  const devCode = q.device === undefined ? -1 : block.summary.devices.indexOf(q.device)
  const compCode = q.component === undefined ? -1 : block.summary.components.indexOf(q.component) + 1
  let page: DecodedPage | undefined
  let i = rows ? rows.length - 1 : block.summary.count - 1
  for (; i >= 0 && out.length < want; i--) {
    const row = rows ? rows[i] : i
    if (page === undefined || row < page.start) {
      page = await cache.page(block, Math.floor(row / PAGE_ROWS))
      // Deleted since the summary was read (prune, purge).
      if (page === undefined) return []
    }
    const r = row - page.start
    if (page.ts[r] > highTs) continue
    if (devCode >= 0 && page.dev[r] !== devCode) continue
    if (compCode > 0 && page.comp[r] !== compCode) continue
    if ((plan.levels & (1 << page.level[r])) === 0) continue
    const line = lineOfPage(page, r)
    const id = idOf(line)
    if (id < plan.low) break
    if (id >= plan.high) continue
    if (plan.digitWords.length > 0) {
      const terms = lineTerms(line)
      if (!plan.digitWords.every((w) => terms.includes(w))) continue
    }
    out.push([id, line])
  }
  return out
}

/**
 * How many rows each block of a round must give at most: `want` less the matches sure to rank above all of its rows,
 * those found already above its newest id and those of the round's blocks wholly above it whose postings say
 * exactly how many match. So a common word at some levels decodes the pages of the newest block's matches, not
 * those of every block of the round.
 */
function rowsNeeded(group: readonly StoredBlock[], rowsOf: ReadonlyArray<number[] | undefined | null>, found: ReadonlyArray<[string, BlockLine]>, plan: Plan, want: number): number[] {
  // Blocks whose count of matches is exact (rare-row blocks cost a few small rows: never worth counting).
  const exact: Array<[minId: string, count: number]> = []
  group.forEach((b, k) => {
    const rows = rowsOf[k]
    if (plan.exact && rows && rows.length > 0 && b.summary.minId >= plan.low && b.summary.maxId < plan.high) exact.push([b.summary.minId, rows.length])
  })
  return group.map((b, j) => {
    if (rowsOf[j] === null) return want
    let above = 0
    // found is sorted highest id first.
    while (above < found.length && found[above][0] > b.summary.maxId) above++
    for (const [minId, count] of exact) if (minId > b.summary.maxId) above += count
    return want - above
  })
}

/** Up to `want` matching lines from the head and the blocks, highest id first. */
export async function searchBlocks(
  cache: BlockCache,
  head: readonly BlockLine[],
  blocks: readonly StoredBlock[],
  plan: Plan,
  want: number,
): Promise<Array<[string, BlockLine]>> {
  let found: Array<[string, BlockLine]> = []
  for (const line of head) if (lineMatches(line, plan)) found.push([idOf(line), line])
  const byId = (a: [string, BlockLine], b: [string, BlockLine]) => (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0)
  const trim = () => {
    found.sort(byId)
    if (found.length > want) found.length = want
  }
  trim()
  const candidates = blocks.filter((b) => blockMayMatch(b, plan)).sort((a, b) => (a.summary.maxId < b.summary.maxId ? 1 : -1))
  for (let i = 0, n = FETCH_FIRST; i < candidates.length; i += n, n = Math.min(FETCH_MAX, n * 2)) {
    // Blocks where a rare word's rows are known from the summary cost one page read per row at most: a round takes
    // as many as it needs to find what is missing, so a rare word is one round, not one per doubling.
    let known = 0
    for (let j = i; j < candidates.length && j - i < FETCH_RARE_MAX; j++) {
      const hits = rareHits(candidates[j], plan)
      if (hits === undefined) break
      known += hits
      n = Math.max(n, j - i + 1)
      if (known >= want - found.length) break
    }
    const group = candidates.slice(i, i + n)
    // Blocks below the want-th id found cannot add anything: the rest are older still.
    if (found.length >= want && group[0].summary.maxId < found[want - 1][0]) break
    const rowsOf = await Promise.all(group.map((b) => (rareRowsToRead(b, plan) !== undefined ? null : candidateRows(cache, b, plan))))
    const needs = rowsNeeded(group, rowsOf, found, plan, want)
    const matches = await Promise.all(group.map((b, j) => (needs[j] > 0 ? blockMatches(cache, b, plan, needs[j], rowsOf[j]) : [])))
    for (const rows of matches) found.push(...rows)
    trim()
  }
  return found
}
