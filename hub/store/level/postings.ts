import type { SeriesInfo, SeriesSelector } from '../types.js'
import { EMPTY_VALUE, idHex, type BatchOp, type BinarySublevel } from './keys.js'

// Inverted index in `m-post`: one empty row per (term, series), key `${term}\x00${idHex}`, so a selection
// reads only the ids that match. Three kinds of term:
//   n\x00{name}                  every series of a metric name
//   nl\x00{name}\x00{label}={v}  series of that name carrying that label value
//   l\x00{label}={v}             series of any name carrying that label value (e.g. everything of a device)
// Names and labels are free strings, so a term could be a prefix of another; callers check the candidates
// against the series' real labels (SeriesRegistry.matches).

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

/** Candidate series ids for a selector, or undefined when the selector is empty (every series matches). */
export async function candidateIds(postings: BinarySublevel, selector: SeriesSelector): Promise<number[] | undefined> {
  const labels = Object.entries(selector.labels ?? {})
  const { name } = selector
  let terms: string[]
  if (name !== undefined && labels.length > 0) terms = labels.map(([label, value]) => nameLabelTerm(name, label, value))
  else if (name !== undefined) terms = [nameTerm(name)]
  else if (labels.length > 0) terms = labels.map(([label, value]) => labelTerm(label, value))
  else return undefined

  let result: Set<number> | undefined
  for (const term of terms) {
    const ids = await idsOfTerm(postings, term)
    result = result === undefined ? ids : new Set([...result].filter((id) => ids.has(id)))
    if (result.size === 0) break
  }
  return [...(result ?? [])]
}

async function idsOfTerm(postings: BinarySublevel, term: string): Promise<Set<number>> {
  const ids = new Set<number>()
  // `${term}\x00` up to `${term}\x01`: exactly the keys that continue the term with the separator.
  for await (const key of postings.keys({ gte: `${term}\x00`, lt: `${term}\x01` })) {
    const hex = key.slice(term.length + 1)
    if (hex.length === 8) ids.add(parseInt(hex, 16))
  }
  return ids
}
