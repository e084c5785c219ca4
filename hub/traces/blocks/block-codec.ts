import { promisify } from 'node:util'
import { brotliCompress, brotliDecompress, constants } from 'node:zlib'
import { SPAN_STATUSES, type SpanEvent } from '../../../protocol/batch.js'
import { Bloom } from '../../logs/blocks/bloom.js'
import { decodeStored, encodeStored } from '../../storage/stored-cbor.js'
import { spanDurationMs, type SpanEntry, type StoredSpan } from '../records.js'

// One span block: spans that started in one hour, sealed together and sorted by trace id, then start (docs/traces.md,
// "Blocks"). Three kinds of section, each CBOR compressed with Brotli in the threadpool and decoded only when a read
// needs it: the trace index (the block's first start, trace ids as a sorted dictionary and their run lengths), the
// filter columns searches and stats scan (dictionary-coded service, name and device, start as an offset from the
// first start, duration, status), and pages of PAGE_ROWS whole rows (ids, names, times, attributes, events), so a
// trace lookup decodes the index and the page or two holding the trace, never the whole block.

export const PAGE_ROWS = 256
const compress = promisify(brotliCompress)
const decompress = promisify(brotliDecompress)
// Sections are well under 1 MiB: a 1 MiB window, sized to the input, keeps each compressor's memory small (lgwin 22
// and no size hint made sealing several times slower on a loaded machine, in allocating and collecting the buffers).
const brotli = (bytes: Uint8Array) =>
  compress(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_LGWIN]: 20, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })

/** Section 0: where each trace's rows are. */
export interface SpanTraceIndex {
  base: number
  traces: string[]
  /** Rows per trace id, as `traces`. */
  runs: number[]
  /** The dictionaries of the coded columns. */
  svcs: string[]
  names: string[]
  devs: string[]
  kinds: string[]
}

/** Section 1: what searches and stats look at, a column per field. */
export interface SpanFilterColumns {
  /** 0: no service, else 1 + index into svcs. */
  svc: number[]
  name: number[]
  dev: number[]
  /** start − base. */
  start: number[]
  /** end − start. */
  dur: number[]
  /** 0: no status, else 1 + index into SPAN_STATUSES. */
  status: number[]
  /** [start, end] of the rows whose times the offsets above do not give back exactly (fractional ms far apart). */
  exact: Record<string, [number, number]>
}

/** Sections 2…: PAGE_ROWS whole rows each. */
interface SpanPage {
  spanId: string[]
  parent: Array<string | null>
  svc: number[]
  name: number[]
  dev: number[]
  /** 0: no kind, else 1 + index into kinds. */
  kind: number[]
  start: number[]
  dur: number[]
  status: number[]
  exact: Record<string, [number, number]>
  attrs: Array<Record<string, unknown> | null>
  events: Array<SpanEvent[] | null>
}

/** What stays in memory about a block (`t-bsum`): enough to skip the blocks a lookup or search cannot match. */
export interface SpanBlockSummary {
  window: number
  count: number
  minStart: number
  maxStart: number
  maxDurationMs: number
  /** Services ('' for spans without one), and `${service}\0${name}` of every operation. */
  services: string[]
  ops: string[]
  devices: string[]
  deviceCounts: number[]
  errors: number
  /** Trace ids and `\x01key=value` attribute terms (scalar values). */
  bloom: Uint8Array
}

export interface EncodedSpanBlock {
  block: Uint8Array
  summary: SpanBlockSummary
}

const ERROR = 1 + SPAN_STATUSES.indexOf('error')

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

/** The Bloom filter term of a scalar attribute. */
export function attributeTerm(key: string, value: unknown): string | undefined {
  const t = typeof value
  return t === 'string' || t === 'number' || t === 'boolean' ? `\x01${key}=${String(value)}` : undefined
}

const byTraceThenStart = (a: StoredSpan, b: StoredSpan) =>
  (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0) || a.start - b.start || (a.spanId < b.spanId ? -1 : a.spanId > b.spanId ? 1 : 0)

/** `spans` (non-empty, all of `window`) as one block; sorts a copy. */
export async function encodeSpanBlock(window: number, input: readonly StoredSpan[]): Promise<EncodedSpanBlock> {
  const spans = [...input].sort(byTraceThenStart)
  const n = spans.length
  let base = Infinity
  let maxStart = -Infinity
  let maxDurationMs = 0
  for (const s of spans) {
    base = Math.min(base, s.start)
    maxStart = Math.max(maxStart, s.start)
    maxDurationMs = Math.max(maxDurationMs, spanDurationMs(s))
  }
  const traces: string[] = []
  const runs: number[] = []
  const start: number[] = new Array(n)
  const dur: number[] = new Array(n)
  const exact: Record<string, [number, number]> = {}
  const terms = new Set<string>()
  let errors = 0
  const status = spans.map((s, row) => {
    if (traces.length === 0 || traces[traces.length - 1] !== s.traceId) {
      traces.push(s.traceId)
      runs.push(0)
      terms.add(s.traceId)
    }
    runs[runs.length - 1]++
    start[row] = s.start - base
    dur[row] = s.end - s.start
    if (base + start[row] !== s.start || s.start + dur[row] !== s.end) exact[row] = [s.start, s.end]
    if (s.attrs) for (const [key, value] of Object.entries(s.attrs)) {
      const term = attributeTerm(key, value)
      if (term !== undefined) terms.add(term)
    }
    const code = s.status === undefined ? 0 : 1 + SPAN_STATUSES.indexOf(s.status)
    if (code === ERROR) errors++
    return code
  })
  const svcs = dictionary(spans.map((s) => s.service), 1)
  const names = dictionary(spans.map((s) => s.name), 0)
  const devs = dictionary(spans.map((s) => s.device), 0)
  const kinds = dictionary(spans.map((s) => s.kind), 1)
  const index: SpanTraceIndex = { base, traces, runs, svcs: svcs.dict, names: names.dict, devs: devs.dict, kinds: kinds.dict }
  const filter: SpanFilterColumns = { svc: svcs.codes, name: names.codes, dev: devs.codes, start, dur, status, exact }
  const ops = new Set<string>()
  const services = new Set<string>()
  spans.forEach((s) => {
    services.add(s.service ?? '')
    ops.add(`${s.service ?? ''}\x00${s.name}`)
  })
  const deviceCounts = devs.dict.map(() => 0)
  for (const code of devs.codes) deviceCounts[code]++
  const sections: Array<Promise<Buffer>> = [brotli(encodeStored(index)), brotli(encodeStored(filter))]
  for (let first = 0; first < n; first += PAGE_ROWS) {
    const rows = spans.slice(first, first + PAGE_ROWS)
    const pageExact: Record<string, [number, number]> = {}
    for (let i = 0; i < rows.length; i++) if (exact[first + i]) pageExact[i] = exact[first + i]
    const end = first + PAGE_ROWS
    const page: SpanPage = {
      spanId: rows.map((s) => s.spanId), parent: rows.map((s) => s.parentSpanId ?? null),
      svc: svcs.codes.slice(first, end), name: names.codes.slice(first, end), dev: devs.codes.slice(first, end), kind: kinds.codes.slice(first, end),
      start: start.slice(first, first + PAGE_ROWS), dur: dur.slice(first, first + PAGE_ROWS), status: status.slice(first, first + PAGE_ROWS),
      exact: pageExact, attrs: rows.map((s) => s.attrs ?? null), events: rows.map((s) => s.events ?? null),
    }
    sections.push(brotli(encodeStored(page)))
  }
  const done = await Promise.all(sections)
  const block = Buffer.alloc(4 + 4 * done.length + done.reduce((sum, s) => sum + s.length, 0))
  block.writeUInt32LE(done.length, 0)
  let pos = 4 + 4 * done.length
  done.forEach((s, i) => {
    block.writeUInt32LE(s.length, 4 + 4 * i)
    s.copy(block, pos)
    pos += s.length
  })
  const summary: SpanBlockSummary = {
    window, count: n, minStart: base, maxStart, maxDurationMs, services: [...services], ops: [...ops],
    devices: devs.dict, deviceCounts, errors, bloom: Bloom.forTerms(terms, terms.size).bits,
  }
  return { block: new Uint8Array(block.buffer, block.byteOffset, block.length), summary }
}

/** The trace index decoded: rows of a trace by binary search. */
export class TraceIndex {
  /** First row of each trace, as `traces`, and one past the last. */
  readonly firstRow: number[]

  constructor(readonly index: SpanTraceIndex) {
    this.firstRow = [0]
    for (const run of index.runs) this.firstRow.push(this.firstRow[this.firstRow.length - 1] + run)
  }

  get traces(): string[] {
    return this.index.traces
  }

  get count(): number {
    return this.firstRow[this.firstRow.length - 1]
  }

  /** Rows [from, to) of one trace (empty when the block holds none of it). */
  rowsOf(traceId: string): [number, number] {
    const traces = this.index.traces
    let lo = 0
    let hi = traces.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (traces[mid] < traceId) lo = mid + 1
      else hi = mid
    }
    if (lo === traces.length || traces[lo] !== traceId) return [0, 0]
    return [this.firstRow[lo], this.firstRow[lo + 1]]
  }

  /** Calls `fn` with each row and its trace id, in row order. */
  forEachRow(fn: (row: number, traceId: string) => void): void {
    const { traces } = this.index
    for (let t = 0; t < traces.length; t++) for (let row = this.firstRow[t]; row < this.firstRow[t + 1]; row++) fn(row, traces[t])
  }
}

/** The filter columns decoded, read row by row. */
export class FilterColumns {
  constructor(readonly index: SpanTraceIndex, readonly cols: SpanFilterColumns) {}

  startOf(row: number): number {
    return this.cols.exact[row]?.[0] ?? this.index.base + this.cols.start[row]
  }

  endOf(row: number): number {
    return this.cols.exact[row]?.[1] ?? this.startOf(row) + this.cols.dur[row]
  }

  deviceOf(row: number): string {
    return this.index.devs[this.cols.dev[row]]
  }

  /** What search and stats look at; the trace id is the caller's (TraceIndex.forEachRow gives it). */
  entry(row: number, traceId = ''): SpanEntry {
    const c = this.cols
    const st = this.startOf(row)
    const svc = c.svc[row]
    return { t: traceId, v: svc === 0 ? '' : this.index.svcs[svc - 1], o: this.index.names[c.name[row]], st, d: Math.max(0, this.endOf(row) - st), e: c.status[row] === ERROR ? 1 : 0 }
  }
}

/** A stored block: its sections decompressed and decoded on first use, each once. */
export class DecodedSpanBlock {
  private indexSection?: Promise<TraceIndex>
  private filterSection?: Promise<FilterColumns>
  private readonly pages = new Map<number, Promise<SpanPage>>()

  private constructor(private readonly sections: Uint8Array[]) {}

  static decode(bytes: Uint8Array): DecodedSpanBlock {
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const n = view.readUInt32LE(0)
    const sections: Uint8Array[] = []
    let pos = 4 + 4 * n
    for (let i = 0; i < n; i++) {
      const len = view.readUInt32LE(4 + 4 * i)
      sections.push(bytes.subarray(pos, pos + len))
      pos += len
    }
    return new DecodedSpanBlock(sections)
  }

  index(): Promise<TraceIndex> {
    return (this.indexSection ??= decompress(this.sections[0]).then((b) => new TraceIndex(decodeStored<SpanTraceIndex>(b))))
  }

  async filter(): Promise<FilterColumns> {
    const { index } = await this.index()
    return (this.filterSection ??= decompress(this.sections[1]).then((b) => new FilterColumns(index, decodeStored<SpanFilterColumns>(b))))
  }

  /** The span at `row`: the trace index and its page, nothing else. */
  async span(row: number, traceId: string): Promise<StoredSpan> {
    const { index } = await this.index()
    const p = Math.floor(row / PAGE_ROWS)
    let page = this.pages.get(p)
    if (!page) this.pages.set(p, (page = decompress(this.sections[2 + p]).then((b) => decodeStored<SpanPage>(b))))
    const t = await page
    const i = row - p * PAGE_ROWS
    const start = t.exact[i]?.[0] ?? index.base + t.start[i]
    const end = t.exact[i]?.[1] ?? start + t.dur[i]
    const span: StoredSpan = { traceId, spanId: t.spanId[i], name: index.names[t.name[i]], start, end, device: index.devs[t.dev[i]] }
    if (t.parent[i] !== null) span.parentSpanId = t.parent[i]!
    if (t.svc[i] !== 0) span.service = index.svcs[t.svc[i] - 1]
    if (t.kind[i] !== 0) span.kind = index.kinds[t.kind[i] - 1]
    if (t.status[i] !== 0) span.status = SPAN_STATUSES[t.status[i] - 1]
    if (t.attrs[i] !== null) span.attrs = t.attrs[i]!
    if (t.events[i] !== null) span.events = t.events[i]!
    return span
  }
}
