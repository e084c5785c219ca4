// Values as the evaluator passes them between nodes: every node is evaluated over all the query's steps at once
// (Prometheus's range evaluation; an instant query is a range of one step). A series' value at step i is
// `vals[i]` when `has[i]` is 1; NaN is a value like any other, absence is `has[i] = 0`.

export type Labels = Record<string, string>

export interface StepSeries {
  labels: Labels
  /** labelsKey(labels), computed once. */
  key: string
  vals: Float64Array
  has: Uint8Array
  /** Timestamps of the samples a vector selector picked, for timestamp(); absent elsewhere (the step's time). */
  sampleTs?: Float64Array
}

/** Raw samples of one series in time order, for functions over range windows. */
export interface RawSeries {
  labels: Labels
  key: string
  ts: Float64Array | number[]
  vals: Float64Array | number[]
}

export interface Grid {
  start: number
  end: number
  step: number
  /** Number of steps: times are start + i × step for i < n. */
  n: number
}

export type Value =
  | { type: 'scalar'; vals: Float64Array }
  | { type: 'vector'; series: StepSeries[] }
  | { type: 'string'; value: string }
  | { type: 'matrix'; series: RawSeries[] }

export const timeAt = (g: Grid, i: number) => g.start + i * g.step

export function makeGrid(start: number, end: number, step: number): Grid {
  return { start, end, step, n: step > 0 ? Math.floor((end - start) / step) + 1 : 1 }
}

/** A stable key of a label set: pairs sorted by name. */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort()
  let key = ''
  for (const n of names) key += `${n}\u0000${labels[n]}\u0001`
  return key
}

export function newSeries(labels: Labels, n: number): StepSeries {
  return { labels, key: labelsKey(labels), vals: new Float64Array(n), has: new Uint8Array(n) }
}

export function withoutName(labels: Labels): Labels {
  if (!('__name__' in labels)) return labels
  const { __name__: _drop, ...rest } = labels
  return rest
}

/** Collects per-step outputs into series keyed by labels, as Prometheus's rangeEval does. */
export class SeriesCollector {
  private readonly byKey = new Map<string, StepSeries>()
  constructor(private readonly n: number) {}

  add(labels: Labels, key: string, i: number, v: number): StepSeries {
    let s = this.byKey.get(key)
    if (!s) {
      s = { labels, key, vals: new Float64Array(this.n), has: new Uint8Array(this.n) }
      this.byKey.set(key, s)
    }
    s.vals[i] = v
    s.has[i] = 1
    return s
  }

  /** True when `key` already has a value at step i (duplicate output series: an error in Prometheus). */
  hasAt(key: string, i: number): boolean {
    return this.byKey.get(key)?.has[i] === 1
  }

  series(): StepSeries[] {
    return [...this.byKey.values()]
  }
}

/** Prometheus's labels.Compare: pairs in name order, name then value, then the shorter set first. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a).sort()
  const bn = Object.keys(b).sort()
  const len = Math.min(an.length, bn.length)
  for (let i = 0; i < len; i++) {
    if (an[i] !== bn[i]) return an[i] < bn[i] ? -1 : 1
    const av = a[an[i]]
    const bv = b[bn[i]]
    if (av !== bv) return av < bv ? -1 : 1
  }
  return an.length - bn.length
}
