import { formatValue } from './format.js'
import { compareLabels, timeAt, type Grid, type Labels, type StepSeries, type Value } from './values.js'

// A range answer's series as JSON bytes kept per series, so cached parts are reused without formatting numbers
// again, and answers are assembled from byte slices (building and slicing large strings cost more than evaluating
// a cached query). `text` holds the points `[t,"v"]` joined by commas, ASCII only; `starts[i]` is where the first
// point at or after step i begins (text.length + 1 when there is none: one past a comma that would precede it, 0
// while the text is empty), so any run of steps is one slice.

export interface SeriesText {
  key: string
  labels: Labels
  /** JSON of `labels`, UTF-8. */
  metric: Buffer
  text: Buffer
  /** Length: steps + 1. */
  starts: number[]
}

const EMPTY = Buffer.alloc(0)
const COMMA = Buffer.from(',')

/**
 * Steps [from, to) of `value` over `grid` as text, one entry per series (a scalar is one series without labels);
 * `known` (a cached answer's series by key) lends its labels' JSON, so a refresh does not write them again.
 */
export function seriesTexts(value: Value | undefined, grid: Grid, from: number, to: number, known?: ReadonlyMap<string, SeriesText>): SeriesText[] {
  if (!value || from >= to) return []
  const series: StepSeries[] = value.type === 'scalar' ? [{ labels: {}, key: '', vals: value.vals, has: new Uint8Array(grid.n).fill(1) }] : value.type === 'vector' ? value.series : []
  const out: SeriesText[] = []
  for (const s of series) {
    const starts = new Array<number>(to - from + 1)
    const points: string[] = []
    let length = 0
    for (let i = from; i < to; i++) {
      starts[i - from] = length === 0 ? 0 : length + 1
      if (!s.has[i]) continue
      const point = `[${timeAt(grid, i) / 1000},"${formatValue(s.vals[i])}"]`
      points.push(point)
      length += (length === 0 ? 0 : 1) + point.length
    }
    starts[to - from] = length === 0 ? 0 : length + 1
    out.push({ key: s.key, labels: s.labels, metric: known?.get(s.key)?.metric ?? Buffer.from(JSON.stringify(s.labels)), text: length === 0 ? EMPTY : Buffer.from(points.join(','), 'latin1'), starts })
  }
  return out
}

/** Steps [i0, i1) of a series' text (a view, not a copy). */
export function sliceText(s: SeriesText, i0: number, i1: number): Buffer {
  const a = s.starts[i0]
  const b = s.starts[i1]
  return b > a ? s.text.subarray(a, b - 1) : EMPTY
}

/** Appends `more` (the steps right after the last of `s`) to `s`, in place. */
export function appendText(s: SeriesText, more: SeriesText | undefined, steps: number): void {
  const base = s.text.length
  s.starts.pop()
  if (!more || more.text.length === 0) {
    for (let j = 0; j <= steps; j++) s.starts.push(base === 0 ? 0 : base + 1)
    return
  }
  for (let j = 0; j <= steps; j++) s.starts.push(base === 0 ? more.starts[j] : base + 1 + more.starts[j])
  s.text = base === 0 ? more.text : Buffer.concat([s.text, COMMA, more.text])
}

/** An empty series text over `steps` steps (a series first seen in a later part). */
export function emptyText(key: string, labels: Labels, metric: Buffer, steps: number): SeriesText {
  return { key, labels, metric, text: EMPTY, starts: new Array<number>(steps + 1).fill(0) }
}

/** Series sorted as Prometheus sorts a matrix (labels.Compare). */
export function sortTexts<T extends { labels: Labels }>(series: T[]): T[] {
  return series.sort((a, b) => compareLabels(a.labels, b.labels))
}
