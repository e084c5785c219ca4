import { promisify } from 'node:util'
import { brotliCompress, brotliDecompress, constants } from 'node:zlib'
import { LOG_LEVELS } from '../../../protocol/batch.js'
import { decodeStored, encodeStored } from '../../storage/stored-cbor.js'
import { Bloom, bloomHash1, bloomHash2 } from './bloom.js'
import { tokenize } from '../tokenize.js'
import { encodePostings } from './varint.js'
import { idOf, type BlockLine } from './lines.js'
import { encodeRareRow } from './rare-rows.js'

// One block: the lines of one UTC day sealed together, sorted by record id (docs/logs.md, "Blocks"). Format 2: the
// rows are cut into pages of PAGE_ROWS rows, each page one `l-block` row holding all of its columns (times as
// deltas, device, epoch and component as codes into the block's dictionaries, seq, k, level, then message, attrs,
// trace and span ids), Brotli-compressed, so a search reads and decompresses only the pages holding its matches.
// Words without a digit get a posting list per block (`l-bpost`); those in at most INLINE_ROWS rows keep their
// rows and levels in the summary too, so a rare word is found without a read. Every word goes into the block's
// Bloom filter, so words with digits (numbers, hex ids), too many distinct ones to keep postings of, are found by
// the filter and checked against the text. Format 1 (block-v1.ts) is still read.

export const PAGE_ROWS = 512
export const BLOCK_FORMAT = 2
/** Digit-free words in at most this many rows of a block are kept in its summary, with each row's level. */
export const INLINE_ROWS = 4
/** At most this many such words a block (the rarest are not favoured: first seen first). */
const INLINE_WORDS = 512
const compress = promisify(brotliCompress)
const decompress = promisify(brotliDecompress)
// Quality 4: 3 costs half the time but 17 % more bytes on the bench's pages. A page fits a 128 KiB window.
const brotli = (size: number) => ({ params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_LGWIN]: 17, [constants.BROTLI_PARAM_SIZE_HINT]: size } })

/** What stays in memory about a block (`l-bsum`). */
export interface BlockSummary {
  day: number
  count: number
  minId: string
  maxId: string
  /** The device dictionary: page columns hold codes into it. */
  devices: string[]
  /** Lines per device, as `devices`. */
  deviceCounts: number[]
  components: string[]
  /** Bit i set when some line has level LOG_LEVELS[i]. */
  levels: number
  bloom: Uint8Array
  /** 2 for one `l-block` row per page; absent in format 1 (block-v1.ts). */
  v?: number
  /** Format 2: the epoch dictionary. */
  epochs?: string[]
  /** Format 2: the rows of words in at most INLINE_ROWS rows, word → [row, level, row, level, …]. */
  rare?: Record<string, number[]>
  /** Set since rare-rows.ts: each row `rare` names is also one `l-brow` row, read instead of its page. */
  rareRows?: boolean
}

/** One page of a block, decoded: rows start … start + ts.length - 1. */
export interface DecodedPage {
  start: number
  devs: string[]
  eps: string[]
  comps: string[]
  ts: number[]
  dev: number[]
  ep: number[]
  seq: number[]
  k: number[]
  level: number[]
  /** 0: no component, else 1 + index into comps. */
  comp: number[]
  message: string[]
  attrs: Array<Record<string, unknown> | null>
  traceId: Array<string | null>
  spanId: Array<string | null>
}

type PageColumns = Omit<DecodedPage, 'start' | 'devs' | 'eps' | 'comps'>

export interface EncodedBlock {
  day: number
  pages: Uint8Array[]
  /** word → rows, for words without a digit, and the levels' rows (levelTerm). */
  postings: Map<string, Uint8Array>
  /** row → the line (rare-rows.ts), for each row the summary's rare words name. */
  rareRows: Map<number, Uint8Array>
  summary: BlockSummary
}

/** The posting row of a level (index into LOG_LEVELS): \x01 never starts a word. */
export const levelTerm = (level: number) => `\x01${level}`

const NUMERIC = /\p{N}/u

/** Whether a word holds a digit (any script's): such words get no posting list. */
export function hasDigit(word: string): boolean {
  let ascii = true
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i)
    if (c >= 48 && c <= 57) return true
    if (c > 127) ascii = false
  }
  return !ascii && NUMERIC.test(word)
}

function dictionary(values: Array<string | undefined>, base: number): { dict: string[]; codes: number[] } {
  const index = new Map<string, number>()
  const dict: string[] = []
  const codes = values.map((v) => {
    if (v === undefined) return 0
    let code = index.get(v)
    if (code === undefined) index.set(v, (code = dict.push(v) - 1))
    return code + base
  })
  return { dict, codes }
}

/** `lines` sorted by record id, all of `day`. */
export async function encodeBlock(day: number, lines: readonly BlockLine[]): Promise<EncodedBlock> {
  const devs = dictionary(lines.map((l) => l.dev), 0)
  const deviceCounts = devs.dict.map(() => 0)
  for (const code of devs.codes) deviceCounts[code]++
  const eps = dictionary(lines.map((l) => l.ep), 0)
  const comps = dictionary(lines.map((l) => l.component), 1)
  let levels = 0
  const level = lines.map((l) => {
    const i = LOG_LEVELS.indexOf(l.level)
    levels |= 1 << i
    return i
  })
  // Rows only for words without a digit (a few hundred a block); the rest only go into the Bloom filter.
  // Words with digits are kept as their two Bloom hashes only (there are tens of thousands a block: keeping the
  // strings until the filter is sized costs more in garbage collection than all the rest).
  const rowsOf = new Map<string, number[]>()
  const hashes1: number[] = []
  const hashes2: number[] = []
  const distinct = new Set<number>()
  for (let row = 0; row < lines.length; row++) {
    for (const word of tokenize(lines[row].message)) {
      if (hasDigit(word)) {
        const h1 = bloomHash1(word)
        const h2 = bloomHash2(word)
        // Distinct words counted by their hashes: a collision only sizes the filter a little smaller. Every word
        // goes in (adding one twice changes nothing).
        distinct.add((h1 & 0x7fff) * 65536 + (h2 & 0xffff))
        hashes1.push(h1)
        hashes2.push(h2)
        continue
      }
      const rows = rowsOf.get(word)
      if (rows) rows.push(row)
      else rowsOf.set(word, [row])
    }
  }
  const postings = new Map<string, Uint8Array>()
  const rare: Record<string, number[]> = {}
  let inline = 0
  for (const [word, rows] of rowsOf) {
    postings.set(word, encodePostings(rows))
    if (rows.length <= INLINE_ROWS && inline < INLINE_WORDS) {
      rare[word] = rows.flatMap((row) => [row, level[row]])
      inline++
    }
  }
  // Levels too, so a search for words at some levels intersects lists without decoding the block.
  const rareRows = new Map<number, Uint8Array>()
  for (const list of Object.values(rare)) {
    for (let i = 0; i < list.length; i += 2) {
      const row = list[i]
      if (!rareRows.has(row)) rareRows.set(row, encodeRareRow(lines[row], devs.codes[row], eps.codes[row], comps.codes[row]))
    }
  }
  const levelRows = LOG_LEVELS.map((): number[] => [])
  level.forEach((l, row) => levelRows[l].push(row))
  levelRows.forEach((rows, l) => rows.length > 0 && postings.set(levelTerm(l), encodePostings(rows)))
  const bloom = Bloom.forTerms(rowsOf.keys(), distinct.size + rowsOf.size)
  for (let i = 0; i < hashes1.length; i++) bloom.addHashes(hashes1[i], hashes2[i])
  const pages: Array<Promise<Buffer>> = []
  for (let start = 0; start < lines.length; start += PAGE_ROWS) {
    const end = Math.min(lines.length, start + PAGE_ROWS)
    const page = lines.slice(start, end)
    const ts: number[] = []
    let prev = 0
    for (const line of page) {
      ts.push(line.ts - prev)
      prev = line.ts
    }
    const columns: PageColumns = {
      ts, dev: devs.codes.slice(start, end), ep: eps.codes.slice(start, end), seq: page.map((l) => l.seq), k: page.map((l) => l.k),
      level: level.slice(start, end), comp: comps.codes.slice(start, end),
      message: page.map((l) => l.message), attrs: page.map((l) => l.attrs ?? null),
      traceId: page.map((l) => l.traceId ?? null), spanId: page.map((l) => l.spanId ?? null),
    }
    const bytes = encodeStored(columns)
    pages.push(compress(bytes, brotli(bytes.length)))
  }
  const summary: BlockSummary = {
    day, count: lines.length, minId: idOf(lines[0]), maxId: idOf(lines[lines.length - 1]), devices: devs.dict, deviceCounts, components: comps.dict, levels,
    bloom: bloom.bits, v: BLOCK_FORMAT, epochs: eps.dict, rare, rareRows: true,
  }
  const compressed = await Promise.all(pages)
  return { day, pages: compressed.map((b) => new Uint8Array(b.buffer, b.byteOffset, b.length)), postings, rareRows, summary }
}

/** Page `p` of a format-2 block. */
export async function decodePage(bytes: Uint8Array, summary: BlockSummary, p: number): Promise<DecodedPage> {
  const columns = decodeStored<PageColumns>(await decompress(bytes))
  let t = 0
  for (let i = 0; i < columns.ts.length; i++) columns.ts[i] = t += columns.ts[i]
  return { start: p * PAGE_ROWS, devs: summary.devices, eps: summary.epochs ?? [], comps: summary.components, ...columns }
}

export function pageCount(summary: BlockSummary): number {
  return Math.ceil(summary.count / PAGE_ROWS)
}

/** The line at index `i` of the page. */
export function lineOfPage(page: DecodedPage, i: number): BlockLine {
  const line: BlockLine = {
    ts: page.ts[i], dev: page.devs[page.dev[i]], ep: page.eps[page.ep[i]], seq: page.seq[i], k: page.k[i], level: LOG_LEVELS[page.level[i]],
    message: page.message[i],
  }
  const c = page.comp[i]
  if (c !== 0) line.component = page.comps[c - 1]
  if (page.attrs[i] !== null) line.attrs = page.attrs[i]!
  if (page.traceId[i] !== null) line.traceId = page.traceId[i]!
  if (page.spanId[i] !== null) line.spanId = page.spanId[i]!
  return line
}
