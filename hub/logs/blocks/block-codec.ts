import { promisify } from 'node:util'
import { brotliCompress, brotliDecompress, constants } from 'node:zlib'
import { LOG_LEVELS, type LogLevel } from '../../../protocol/batch.js'
import { decodeStored, encodeStored } from '../../storage/stored-cbor.js'
import { Bloom } from './bloom.js'
import { encodePostings } from './varint.js'
import { lineTerms, type BlockLine } from './lines.js'

// One block: the lines of one UTC day sealed together, sorted by record id (docs/logs.md, "Blocks"). Columns, each
// compressed with Brotli in the threadpool: a meta section (times as deltas, dictionary-coded device, epoch and
// component, seq, k, level), then the text in pages of PAGE_ROWS rows (message, attrs, trace and span ids), so a
// search decompresses only the pages holding its matches. Words without a digit get a posting list per block
// (`l-bpost`); every word goes into the block's Bloom filter, so words with digits (numbers, hex ids), too many
// distinct ones to keep postings of, are found by the filter and checked against the text.

export const PAGE_ROWS = 512
const compress = promisify(brotliCompress)
const decompress = promisify(brotliDecompress)
const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_LGWIN]: 22 } }

export interface BlockMeta {
  ts: number[]
  devs: string[]
  dev: number[]
  eps: string[]
  ep: number[]
  seq: number[]
  k: number[]
  level: number[]
  comps: string[]
  /** 0: no component, else 1 + index into comps. */
  comp: number[]
}

export interface BlockText {
  message: string[]
  attrs: Array<Record<string, unknown> | null>
  traceId: Array<string | null>
  spanId: Array<string | null>
}

/** What stays in memory about a block (`l-bsum`). */
export interface BlockSummary {
  day: number
  count: number
  minId: string
  maxId: string
  devices: string[]
  /** Lines per device, as `devices`. */
  deviceCounts: number[]
  components: string[]
  /** Bit i set when some line has level LOG_LEVELS[i]. */
  levels: number
  bloom: Uint8Array
}

export interface EncodedBlock {
  block: Uint8Array
  /** word → rows, for words without a digit. */
  postings: Map<string, Uint8Array>
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

/** `lines` sorted by record id, all of `day`, with ids. */
export async function encodeBlock(day: number, lines: readonly BlockLine[], ids: readonly string[]): Promise<EncodedBlock> {
  const ts: number[] = []
  let prev = 0
  for (const line of lines) {
    ts.push(line.ts - prev)
    prev = line.ts
  }
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
  const meta: BlockMeta = {
    ts, devs: devs.dict, dev: devs.codes, eps: eps.dict, ep: eps.codes,
    seq: lines.map((l) => l.seq), k: lines.map((l) => l.k), level, comps: comps.dict, comp: comps.codes,
  }
  // Rows only for words without a digit (a few hundred a block); the rest only go into the Bloom filter.
  const rowsOf = new Map<string, number[]>()
  const distinct = new Set<string>()
  for (let row = 0; row < lines.length; row++) {
    for (const word of lineTerms(lines[row])) {
      if (hasDigit(word)) {
        distinct.add(word)
        continue
      }
      const rows = rowsOf.get(word)
      if (rows) rows.push(row)
      else rowsOf.set(word, [row])
    }
  }
  const postings = new Map<string, Uint8Array>()
  for (const [word, rows] of rowsOf) postings.set(word, encodePostings(rows))
  // Levels too, so a search for words at some levels intersects lists without decoding the block.
  const levelRows = LOG_LEVELS.map((): number[] => [])
  level.forEach((l, row) => levelRows[l].push(row))
  levelRows.forEach((rows, l) => rows.length > 0 && postings.set(levelTerm(l), encodePostings(rows)))
  const bloom = Bloom.forTerms(distinct, distinct.size + rowsOf.size)
  for (const word of rowsOf.keys()) bloom.add(word)
  const pages: Array<Promise<Buffer>> = [compress(encodeStored(meta), BROTLI)]
  for (let start = 0; start < lines.length; start += PAGE_ROWS) {
    const page = lines.slice(start, start + PAGE_ROWS)
    const text: BlockText = {
      message: page.map((l) => l.message),
      attrs: page.map((l) => l.attrs ?? null),
      traceId: page.map((l) => l.traceId ?? null),
      spanId: page.map((l) => l.spanId ?? null),
    }
    pages.push(compress(encodeStored(text), BROTLI))
  }
  const sections = await Promise.all(pages)
  const block = Buffer.alloc(4 + 4 * sections.length + sections.reduce((n, s) => n + s.length, 0))
  block.writeUInt32LE(sections.length, 0)
  let pos = 4 + 4 * sections.length
  sections.forEach((s, i) => {
    block.writeUInt32LE(s.length, 4 + 4 * i)
    s.copy(block, pos)
    pos += s.length
  })
  const summary: BlockSummary = {
    day, count: lines.length, minId: ids[0], maxId: ids[ids.length - 1], devices: devs.dict, deviceCounts, components: comps.dict, levels,
    bloom: bloom.bits,
  }
  return { block: new Uint8Array(block.buffer, block.byteOffset, block.length), postings, summary }
}

/** A stored block: its meta decoded at once, text pages on demand. */
export class DecodedBlock {
  private readonly pages = new Map<number, Promise<BlockText>>()

  private constructor(readonly meta: BlockMeta, private readonly sections: Uint8Array[]) {}

  static async decode(bytes: Uint8Array): Promise<DecodedBlock> {
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const n = view.readUInt32LE(0)
    const sections: Uint8Array[] = []
    let pos = 4 + 4 * n
    for (let i = 0; i < n; i++) {
      const len = view.readUInt32LE(4 + 4 * i)
      sections.push(bytes.subarray(pos, pos + len))
      pos += len
    }
    const meta = decodeStored<BlockMeta>(await decompress(sections[0]))
    let t = 0
    for (let i = 0; i < meta.ts.length; i++) meta.ts[i] = t += meta.ts[i]
    return new DecodedBlock(meta, sections)
  }

  get count(): number {
    return this.meta.ts.length
  }

  levelOf(row: number): LogLevel {
    return LOG_LEVELS[this.meta.level[row]]
  }

  componentOf(row: number): string | undefined {
    const c = this.meta.comp[row]
    return c === 0 ? undefined : this.meta.comps[c - 1]
  }

  /** The line at `row` (its text page decompressed once per block). */
  async line(row: number): Promise<BlockLine> {
    const page = Math.floor(row / PAGE_ROWS)
    let text = this.pages.get(page)
    if (!text) this.pages.set(page, (text = decompress(this.sections[1 + page]).then((b) => decodeStored<BlockText>(b))))
    const t = await text
    const i = row - page * PAGE_ROWS
    const m = this.meta
    const line: BlockLine = { ts: m.ts[row], dev: m.devs[m.dev[row]], ep: m.eps[m.ep[row]], seq: m.seq[row], k: m.k[row], level: this.levelOf(row), message: t.message[i] }
    const component = this.componentOf(row)
    if (component !== undefined) line.component = component
    if (t.attrs[i] !== null) line.attrs = t.attrs[i]!
    if (t.traceId[i] !== null) line.traceId = t.traceId[i]!
    if (t.spanId[i] !== null) line.spanId = t.spanId[i]!
    return line
  }
}
