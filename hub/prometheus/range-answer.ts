import type { Expr } from './ast.js'
import type { CachedRange, Fill, PromResultCache } from './result-cache.js'
import { appendText, emptyText, seriesTexts, sliceText, sortTexts, type SeriesText } from './series-text.js'
import { makeGrid, timeAt, type Grid, type Value } from './values.js'

// A range query's answer (`data` as JSON text), its older steps from the result cache when it has them
// (result-cache.ts): every step of a range query is evaluated on its own, as Prometheus evaluates an instant
// query at each step, so steps computed earlier are the same answer unless the data under them changed — which the
// store reports. Only what depends on the query's own start and end (`@ start()`, `@ end()`, any `@`) is never cached.

export interface RangeRequest {
  query: string
  expr: Expr
  start: number
  end: number
  step: number
  /** The hub's clock now. */
  now: number
  /** Evaluates the expression over a grid of steps (engine.ts). */
  evaluate: (grid: Grid) => Promise<Value>
}

const mod = (a: number, b: number) => ((a % b) + b) % b

/**
 * How far after a step the data it reads may lie: the largest negative offset along any path to a selector
 * (`x offset -5m` at step t reads t + 5m). Undefined when the query uses `@`, which pins reads to times of its own.
 */
export function lookAhead(e: Expr, offset = 0): number | undefined {
  switch (e.kind) {
    case 'number':
    case 'string':
      return 0
    case 'vector':
      return e.at ? undefined : Math.max(0, -(offset + e.offsetMs))
    case 'matrix':
      return lookAhead(e.selector, offset)
    case 'subquery': {
      if (e.at) return undefined
      const inner = lookAhead(e.expr, offset + e.offsetMs)
      return inner === undefined ? undefined : Math.max(inner, -(offset + e.offsetMs))
    }
    case 'paren':
    case 'unary':
      return lookAhead(e.expr, offset)
    case 'invariant':
      return undefined
    case 'binary': {
      const l = lookAhead(e.lhs, offset)
      const r = lookAhead(e.rhs, offset)
      return l === undefined || r === undefined ? undefined : Math.max(l, r)
    }
    case 'call':
    case 'aggregate': {
      const args = e.kind === 'call' ? e.args : e.param ? [e.param, e.expr] : [e.expr]
      let max = 0
      for (const a of args) {
        const m = lookAhead(a, offset)
        if (m === undefined) return undefined
        max = Math.max(max, m)
      }
      return max
    }
  }
}

/** The answer as Prometheus's matrix JSON, in byte chunks; `cache` undefined evaluates every step. */
export async function rangeAnswer(req: RangeRequest, cache: PromResultCache | undefined): Promise<Buffer[]> {
  const grid = makeGrid(req.start, req.end, req.step)
  const ahead = cache ? lookAhead(req.expr) : undefined
  if (!cache || ahead === undefined) return matrixJson(seriesTexts(await req.evaluate(grid), grid, 0, grid.n), [])

  const key = `${req.step}/${mod(req.start, req.step)}/${req.query}`
  const cutoff = req.now - cache.options.offsetMs
  const entry = cache.get(key)
  // Steps [0, covered) of this request come from the entry, from its step i0 on.
  let covered = 0
  let i0 = 0
  const usable = entry && entry.start <= req.start && (req.start - entry.start) / req.step <= entry.n
  if (usable) {
    i0 = (req.start - entry.start) / req.step
    covered = Math.min(entry.n - i0, grid.n)
  }
  if (covered === grid.n) {
    cache.count('hits')
    return matrixJson([], [{ entry: entry!, i0, i1: i0 + covered }])
  }
  cache.count(covered > 0 ? 'partialHits' : 'misses')

  const tail = makeGrid(timeAt(grid, covered), req.end, req.step)
  const fill = cache.begin()
  let value: Value
  try {
    value = await req.evaluate(tail)
  } finally {
    cache.end(fill)
  }
  // Tail steps [0, old) are old enough to keep; [old, n) are evaluated again next time.
  const old = Math.max(0, Math.min(tail.n, Math.floor((cutoff - tail.start) / req.step) + 1))
  const known = usable ? entry!.byKey : undefined
  const kept = seriesTexts(value, tail, 0, old, known)
  const fresh = seriesTexts(value, tail, old, tail.n, known)
  const parts = usable && covered > 0 ? [{ entry: entry!, i0, i1: i0 + covered }] : []
  const answer = matrixJson([...kept, ...fresh], parts)
  if (old > 0) keep(cache, key, usable ? entry : undefined, i0 + covered, tail, old, kept, ahead, fill)
  return answer
}

/**
 * Grows `entry` by the kept steps when they follow its last one; without a usable entry (none, or one starting
 * after this request) the kept steps become the entry.
 */
function keep(cache: PromResultCache, key: string, entry: CachedRange | undefined, next: number, tail: Grid, old: number, kept: SeriesText[], ahead: number, fill: Fill): void {
  const horizon = timeAt(tail, old - 1) + ahead
  if (fill.oldestChange <= horizon) return
  if (!entry) {
    const series = sortTexts(kept.map((s) => ({ ...s, starts: [...s.starts] })))
    cache.put(key, { start: tail.start, step: tail.step, n: old, series, byKey: new Map(series.map((s) => [s.key, s])), horizon, bytes: 0 }, fill)
    return
  }
  // Another request grew or dropped it meanwhile: leave it as it is.
  if (!cache.current(key, entry) || entry.n !== next) return
  const byKey = new Map(kept.map((s) => [s.key, s]))
  for (const s of entry.series) appendText(s, byKey.get(s.key), old)
  let added = false
  for (const s of kept) {
    if (entry.byKey.has(s.key)) continue
    const grown = emptyText(s.key, s.labels, s.metric, entry.n)
    appendText(grown, s, old)
    entry.series.push(grown)
    entry.byKey.set(s.key, grown)
    added = true
  }
  if (added) sortTexts(entry.series)
  entry.n += old
  entry.horizon = horizon
  cache.put(key, entry, fill)
}

interface CachedPart {
  entry: CachedRange
  i0: number
  i1: number
}

const COMMA = Buffer.from(',')
const HEAD = Buffer.from('{"resultType":"matrix","result":[')
const TAIL = Buffer.from(']}')
const METRIC = Buffer.from('{"metric":')
const VALUES = Buffer.from(',"values":[')
const SERIES_END = Buffer.from(']}')

/**
 * The matrix as byte chunks: every series of the cached parts and of `tail` (texts of later steps, in order per
 * series), sorted by labels as Prometheus sorts them; series without a point in the range are left out.
 */
function matrixJson(tail: SeriesText[], parts: CachedPart[]): Buffer[] {
  type Item = { labels: SeriesText['labels']; metric: Buffer; texts: Buffer[] }
  const bySeries = new Map<string, Item>()
  const order: Item[] = []
  const add = (s: SeriesText, text: Buffer) => {
    let item = bySeries.get(s.key)
    if (!item) {
      item = { labels: s.labels, metric: s.metric, texts: [] }
      bySeries.set(s.key, item)
      order.push(item)
    }
    if (text.length > 0) item.texts.push(text)
  }
  for (const p of parts) for (const s of p.entry.series) add(s, sliceText(s, p.i0, p.i1))
  const cachedCount = order.length
  for (const s of tail) add(s, s.text)
  // Cached series are sorted already; sort again only when the tail brought new ones.
  if (order.length !== cachedCount || parts.length === 0) sortTexts(order)
  const out: Buffer[] = [HEAD]
  let first = true
  for (const item of order) {
    if (item.texts.length === 0) continue
    if (!first) out.push(COMMA)
    first = false
    out.push(METRIC, item.metric, VALUES)
    item.texts.forEach((t, k) => (k === 0 ? out.push(t) : out.push(COMMA, t)))
    out.push(SERIES_END)
  }
  out.push(TAIL)
  return out
}
