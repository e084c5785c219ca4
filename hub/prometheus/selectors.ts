import type { SeriesInfo } from '../metrics/store/types.js'
import type { Matcher, VectorSelectorNode } from './ast.js'
import { chargeSamples, checkDeadline, resolveAt, type EvalContext } from './context.js'
import { executionError } from './errors.js'
import { labelsKey, timeAt, type Grid, type Labels, type RawSeries, type StepSeries } from './values.js'

// Series selection and reads: the store narrows by metric name and label equalities (its inverted index), the
// other matchers are applied here, then samples are read once for the whole range a node needs.

export function matches(m: Matcher, value: string | undefined): boolean {
  const v = value ?? ''
  switch (m.type) {
    case '=':
      return v === m.value
    case '!=':
      return v !== m.value
    case '=~':
      return m.re!.test(v)
    case '!~':
      return !m.re!.test(v)
  }
}

export function promLabels(info: SeriesInfo): Labels {
  return { __name__: info.name, ...info.labels }
}

/** Series matching every matcher, with the hub's series limit (422 execution past it). */
export async function selectSeries(ctx: EvalContext, matchers: Matcher[]): Promise<SeriesInfo[]> {
  const name = matchers.find((m) => m.name === '__name__' && m.type === '=')?.value
  const equal: Record<string, string> = {}
  for (const m of matchers) if (m.type === '=' && m.name !== '__name__' && m.value !== '') equal[m.name] = m.value
  const candidates = await ctx.store.series({ name, labels: equal })
  const out = candidates.filter((info) => {
    const labels = promLabels(info)
    return matchers.every((m) => matches(m, labels[m.name]))
  })
  if (out.length > ctx.limits.maxSeries) {
    throw executionError(`the selector matches ${out.length} series, more than the limit of ${ctx.limits.maxSeries}`)
  }
  return out
}

/** Samples of the selected series in [from, to], labelled with __name__. */
export async function readRaw(ctx: EvalContext, matchers: Matcher[], from: number, to: number): Promise<RawSeries[]> {
  const infos = await selectSeries(ctx, matchers)
  if (infos.length === 0 || from > to) return []
  const read = await ctx.store.read(infos, from, to)
  checkDeadline(ctx)
  let samples = 0
  for (const s of read) samples += s.ts.length
  chargeSamples(ctx, samples)
  return read.map((s) => {
    if (ctx.seriesLabels) {
      const { labels, key } = ctx.seriesLabels.of(s.series)
      return { labels, key, ts: s.ts, vals: s.values }
    }
    const labels = promLabels(s.series)
    return { labels, key: labelsKey(labels), ts: s.ts, vals: s.values }
  })
}

/** The time a selector looks at for step i: the step's time or its `@` time, minus its offset. */
export function refTimes(ctx: EvalContext, node: { offsetMs: number; at?: VectorSelectorNode['at'] }, grid: Grid): Float64Array {
  const out = new Float64Array(grid.n)
  const at = node.at ? resolveAt(ctx, node.at) : undefined
  for (let i = 0; i < grid.n; i++) out[i] = (at ?? timeAt(grid, i)) - node.offsetMs
  return out
}

/**
 * An instant vector selector: at each step the latest sample at or before the reference time and no older than
 * the lookback (promql/engine.go vectorSelectorSingle: [ref − 5m, ref]).
 */
export async function evalVectorSelector(ctx: EvalContext, node: VectorSelectorNode, grid: Grid, keepSampleTimes = false): Promise<StepSeries[]> {
  const refs = refTimes(ctx, node, grid)
  let lo = Infinity
  let hi = -Infinity
  for (const r of refs) {
    lo = Math.min(lo, r)
    hi = Math.max(hi, r)
  }
  const raw = await readRaw(ctx, node.matchers, lo - ctx.lookbackMs, hi)
  chargeSamples(ctx, raw.length * grid.n)
  const out: StepSeries[] = []
  for (const s of raw) {
    const vals = new Float64Array(grid.n)
    const has = new Uint8Array(grid.n)
    // The samples' own times only for timestamp(); everything else is stamped with the step's time.
    const sampleTs = keepSampleTimes ? new Float64Array(grid.n) : undefined
    let any = false
    const ts = s.ts
    // Reference times never decrease (steps ascend; an @ time is constant): one forward walk finds each step's sample.
    let k = -1
    for (let i = 0; i < grid.n; i++) {
      const ref = refs[i]
      while (k + 1 < ts.length && ts[k + 1] <= ref) k++
      if (k < 0 || ts[k] < ref - ctx.lookbackMs) continue
      vals[i] = s.vals[k]
      if (sampleTs) sampleTs[i] = ts[k]
      has[i] = 1
      any = true
    }
    if (any) out.push({ labels: s.labels, key: s.key, vals, has, sampleTs })
  }
  return out
}

/** Index of the last element <= t, or -1. */
export function lastAtOrBefore(ts: ArrayLike<number>, t: number): number {
  let lo = 0
  let hi = ts.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ts[mid] <= t) lo = mid + 1
    else hi = mid
  }
  return lo - 1
}

/** Index of the first element >= t (ts.length when none). */
export function firstAtOrAfter(ts: ArrayLike<number>, t: number): number {
  let lo = 0
  let hi = ts.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ts[mid] < t) lo = mid + 1
    else hi = mid
  }
  return lo
}
