import type { SeriesInfo } from '../metrics/store/types.js'
import { labelsKey, type Labels } from './values.js'

// Each stored series' PromQL labels (`__name__` added) and their key, kept between requests by series id: a
// dashboard's refresh reads the same hundreds of series, and building their label sets and keys anew cost more
// than evaluating its newest steps. An entry is used only while the store still gives the series the same name and
// labels (a device's labels may change); label sets are never mutated by the evaluator (copies are made), so one
// object serves every request. Bounded: past maxEntries the memo starts over.

export interface SeriesLabels {
  labels: Labels
  key: string
}

interface Entry extends SeriesLabels {
  name: string
  source: Record<string, string>
}

export class SeriesLabelCache {
  private readonly byId = new Map<number, Entry>()

  constructor(private readonly maxEntries = 100_000) {}

  of(info: SeriesInfo): SeriesLabels {
    const known = this.byId.get(info.id)
    if (known && known.name === info.name && sameLabels(known.source, info.labels)) return known
    const labels: Labels = { __name__: info.name, ...info.labels }
    const entry: Entry = { name: info.name, source: { ...info.labels }, labels, key: labelsKey(labels) }
    if (this.byId.size >= this.maxEntries) this.byId.clear()
    this.byId.set(info.id, entry)
    return entry
  }
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  let n = 0
  for (const k in b) {
    if (a[k] !== b[k]) return false
    n++
  }
  return n === Object.keys(a).length
}
