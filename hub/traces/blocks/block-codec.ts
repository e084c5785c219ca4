import { promisify } from 'node:util'
import { brotliCompress, brotliDecompress, constants } from 'node:zlib'
import { SPAN_STATUSES, type SpanEvent } from '../../../protocol/batch.js'
import { Bloom } from '../../logs/blocks/bloom.js'
import { decodeStored, encodeStored } from '../../storage/stored-cbor.js'
import { spanDurationMs, type SpanEntry, type StoredSpan } from '../records.js'

// One span block: spans that started in one hour, sealed together and sorted by trace id, then start (docs/traces.md,
// "Blocks"). Columns compressed with Brotli in the threadpool: a meta section (trace ids as a sorted dictionary and
// run lengths, span and parent ids, dictionary-coded service, name, kind and device, start as an offset from the
// block's first start, duration, status), then attributes and events in pages of PAGE_ROWS rows, read only for the
// spans a lookup returns. Lookups and searches read the meta section alone.

export const PAGE_ROWS = 1_024
const compress = promisify(brotliCompress)
const decompress = promisify(brotliDecompress)
const BROTLI = { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_LGWIN]: 22 } }

export interface SpanBlockMeta {
  base: number
  traces: string[]
  /** Rows per trace id, as `traces`. */
  runs: number[]
  spanId: string[]
  parent: Array<string | null>
  svcs: string[]
  /** 0: no service, else 1 + index into svcs. */
  svc: number[]
  names: string[]
  name: number[]
  kinds: string[]
  /** 0: no kind, else 1 + index into kinds. */
  kind: number[]
  devs: string[]
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

interface SpanBlockPage {
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
  const kinds = dictionary(spans.map((s) => s.kind), 1)
  const devs = dictionary(spans.map((s) => s.device), 0)
  const meta: SpanBlockMeta = {
    base, traces, runs, spanId: spans.map((s) => s.spanId), parent: spans.map((s) => s.parentSpanId ?? null),
    svcs: svcs.dict, svc: svcs.codes, names: names.dict, name: names.codes, kinds: kinds.dict, kind: kinds.codes,
    devs: devs.dict, dev: devs.codes, start, dur, status, exact,
  }
  const ops = new Set<string>()
  const services = new Set<string>()
  spans.forEach((s) => {
    services.add(s.service ?? '')
    ops.add(`${s.service ?? ''}\x00${s.name}`)
  })
  const deviceCounts = devs.dict.map(() => 0)
  for (const code of devs.codes) deviceCounts[code]++
  const sections: Array<Promise<Buffer>> = [compress(encodeStored(meta), BROTLI)]
  for (let first = 0; first < n; first += PAGE_ROWS) {
    const page = spans.slice(first, first + PAGE_ROWS)
    const text: SpanBlockPage = { attrs: page.map((s) => s.attrs ?? null), events: page.map((s) => s.events ?? null) }
    sections.push(compress(encodeStored(text), BROTLI))
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

/** A stored block: its meta decoded at once, attribute pages on demand. */
export class DecodedSpanBlock {
  private readonly pages = new Map<number, Promise<SpanBlockPage>>()
  /** First row of each trace, as meta.traces, and one past the last. */
  readonly firstRow: number[]

  private constructor(readonly meta: SpanBlockMeta, private readonly sections: Uint8Array[]) {
    this.firstRow = [0]
    for (const run of meta.runs) this.firstRow.push(this.firstRow[this.firstRow.length - 1] + run)
  }

  static async decode(bytes: Uint8Array): Promise<DecodedSpanBlock> {
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const n = view.readUInt32LE(0)
    const sections: Uint8Array[] = []
    let pos = 4 + 4 * n
    for (let i = 0; i < n; i++) {
      const len = view.readUInt32LE(4 + 4 * i)
      sections.push(bytes.subarray(pos, pos + len))
      pos += len
    }
    return new DecodedSpanBlock(decodeStored<SpanBlockMeta>(await decompress(sections[0])), sections)
  }

  get count(): number {
    return this.meta.spanId.length
  }

  /** Rows [from, to) of one trace (empty when the block holds none of it). */
  rowsOfTrace(traceId: string): [number, number] {
    const traces = this.meta.traces
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

  traceOf(row: number): string {
    let lo = 0
    let hi = this.meta.traces.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1
      if (this.firstRow[mid] <= row) lo = mid
      else hi = mid - 1
    }
    return this.meta.traces[lo]
  }

  startOf(row: number): number {
    return this.meta.exact[row]?.[0] ?? this.meta.base + this.meta.start[row]
  }

  endOf(row: number): number {
    return this.meta.exact[row]?.[1] ?? this.startOf(row) + this.meta.dur[row]
  }

  deviceOf(row: number): string {
    return this.meta.devs[this.meta.dev[row]]
  }

  serviceOf(row: number): string | undefined {
    const c = this.meta.svc[row]
    return c === 0 ? undefined : this.meta.svcs[c - 1]
  }

  /** What search and stats look at, without the trace id (traceOf gives it when a row matches). */
  entry(row: number): SpanEntry {
    const st = this.startOf(row)
    return { t: '', v: this.serviceOf(row) ?? '', o: this.meta.names[this.meta.name[row]], st, d: Math.max(0, this.endOf(row) - st), e: this.meta.status[row] === ERROR ? 1 : 0 }
  }

  /** The span at `row` (its page of attributes and events decompressed once per block). */
  async span(row: number, traceId = this.traceOf(row)): Promise<StoredSpan> {
    const page = Math.floor(row / PAGE_ROWS)
    let text = this.pages.get(page)
    if (!text) this.pages.set(page, (text = decompress(this.sections[1 + page]).then((b) => decodeStored<SpanBlockPage>(b))))
    const t = await text
    const i = row - page * PAGE_ROWS
    const m = this.meta
    const span: StoredSpan = { traceId, spanId: m.spanId[row], name: m.names[m.name[row]], start: this.startOf(row), end: this.endOf(row), device: this.deviceOf(row) }
    if (m.parent[row] !== null) span.parentSpanId = m.parent[row]!
    const service = this.serviceOf(row)
    if (service !== undefined) span.service = service
    if (m.kind[row] !== 0) span.kind = m.kinds[m.kind[row] - 1]
    if (m.status[row] !== 0) span.status = SPAN_STATUSES[m.status[row] - 1]
    if (t.attrs[i] !== null) span.attrs = t.attrs[i]!
    if (t.events[i] !== null) span.events = t.events[i]!
    return span
  }
}
