import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { AlertConfigError } from '../alerts/rule-schema.js'
import { parseSlo, type Slo } from './schema.js'

/** Reads an SLO file (`--slos`): a YAML list of SLOs. Throws naming the file, the SLO's index and the field. */
export function loadSlosFile(path: string): Slo[] {
  let doc: unknown
  try {
    doc = parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new AlertConfigError(`SLO file ${path}: ${(err as Error).message}`)
  }
  if (doc === null || doc === undefined) return []
  if (!Array.isArray(doc)) throw new AlertConfigError(`SLO file ${path}: expected a YAML list of SLOs`)
  const seen = new Set<string>()
  return doc.map((raw, i) => {
    let slo: Slo
    try {
      slo = parseSlo(raw, `[${i}]`)
    } catch (err) {
      throw new AlertConfigError(`SLO file ${path}: ${(err as Error).message}`)
    }
    if (seen.has(slo.id)) throw new AlertConfigError(`SLO file ${path}: [${i}].id: duplicate id "${slo.id}"`)
    seen.add(slo.id)
    return slo
  })
}
