import type { SeriesInfo } from './types.js'
import { EMPTY_VALUE, idHex, type BatchOp, type BinarySublevel } from './keys.js'

// Inverted index in `m-post`: one empty row per (term, series), key `${term}\x00${idHex}`, so a selection
// reads only the ids that match. Three kinds of term:
//   n\x00{name}                  every series of a metric name
//   nl\x00{name}\x00{label}={v}  series of that name carrying that label value
//   l\x00{label}={v}             series of any name carrying that label value (e.g. everything of a device)
// Queries select through the same terms held in memory (SeriesRegistry.select, rebuilt from `m-series` on open),
// which answers without a key scan; these rows keep the index on disk for tools reading the database.

function nameTerm(name: string): string {
  return `n\x00${name}`
}

function nameLabelTerm(name: string, label: string, value: string): string {
  return `nl\x00${name}\x00${label}=${value}`
}

function labelTerm(label: string, value: string): string {
  return `l\x00${label}=${value}`
}

export function postingOps(postings: BinarySublevel, info: SeriesInfo): BatchOp[] {
  const id = idHex(info.id)
  const terms = [nameTerm(info.name)]
  for (const [label, value] of Object.entries(info.labels)) {
    terms.push(nameLabelTerm(info.name, label, value), labelTerm(label, value))
  }
  return terms.map((term) => ({ type: 'put', sublevel: postings, key: `${term}\x00${id}`, value: EMPTY_VALUE }))
}
