// Which series feed which output series, in a deterministic order (by labels, then name, then id).
import type { Labels } from '../../../protocol/batch.js'
import type { SeriesInfo } from '../store/types.js'

/** Anything read for one series: its samples, or its rollup. */
export interface OfSeries {
  series: SeriesInfo
}

export interface SeriesGroup<T extends OfSeries> {
  /** The output's labels: a series' own labels, or just the groupBy labels it has. */
  labels: Labels
  /** The group's series, sorted; `last` breaks timestamp ties by this order. */
  members: T[]
}

/**
 * Without `groupBy` every series is its own group. With it, series that agree on every groupBy label (a missing
 * label counts as its own value) form one group, labelled with just the groupBy labels they have.
 */
export function groupSeries<T extends OfSeries>(data: readonly T[], groupBy?: readonly string[]): Array<SeriesGroup<T>> {
  const members = [...data].sort(compareSeries)
  if (groupBy === undefined) {
    return members.map((samples) => ({ labels: { ...samples.series.labels }, members: [samples] }))
  }
  const names = [...new Set(groupBy)]
  const byKey = new Map<string, SeriesGroup<T>>()
  for (const samples of members) {
    const entries: Array<[string, string]> = []
    for (const name of names) {
      if (Object.hasOwn(samples.series.labels, name)) entries.push([name, samples.series.labels[name]])
    }
    const key = JSON.stringify(entries)
    const group = byKey.get(key)
    // Object.fromEntries defines own properties, so even a label called __proto__ stays a label.
    if (group === undefined) byKey.set(key, { labels: Object.fromEntries(entries), members: [samples] })
    else group.members.push(samples)
  }
  return [...byKey.values()].sort((a, b) => compareLabels(a.labels, b.labels))
}

/** Orders label sets by their (name, value) pairs sorted by name, compared pair by pair in code-unit order. */
export function compareLabels(a: Labels, b: Labels): number {
  const left = Object.keys(a).sort()
  const right = Object.keys(b).sort()
  const shared = Math.min(left.length, right.length)
  for (let i = 0; i < shared; i++) {
    const order = compareStrings(left[i], right[i]) || compareStrings(a[left[i]], b[right[i]])
    if (order !== 0) return order
  }
  return left.length - right.length
}

function compareSeries(a: OfSeries, b: OfSeries): number {
  return (
    compareLabels(a.series.labels, b.series.labels) ||
    compareStrings(a.series.name, b.series.name) ||
    a.series.id - b.series.id
  )
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
