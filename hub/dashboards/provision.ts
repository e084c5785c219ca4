import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { AlertConfigError } from '../alerts/rule-schema.js'
import { parseDashboard, type Dashboard } from './schema.js'

/**
 * Reads a dashboards file (`--dashboards`): a YAML list of dashboards (docs/console.md). Throws an Error naming the
 * file, the dashboard's index and the field, so a bad file stops the hub before it listens.
 */
export function loadDashboardsFile(path: string): Dashboard[] {
  let doc: unknown
  try {
    doc = parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new AlertConfigError(`dashboards file ${path}: ${(err as Error).message}`)
  }
  if (doc === null || doc === undefined) return []
  if (!Array.isArray(doc)) throw new AlertConfigError(`dashboards file ${path}: expected a YAML list of dashboards`)
  const seen = new Set<string>()
  return doc.map((raw, i) => {
    let d: Dashboard
    try {
      d = parseDashboard(raw, `[${i}]`)
    } catch (err) {
      throw new AlertConfigError(`dashboards file ${path}: ${(err as Error).message}`)
    }
    if (seen.has(d.id)) throw new AlertConfigError(`dashboards file ${path}: [${i}].id: duplicate id "${d.id}"`)
    seen.add(d.id)
    return d
  })
}
