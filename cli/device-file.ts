import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { parse as parseCsv } from 'csv-parse/sync'
import { parse as parseYaml } from 'yaml'
import { ConfigError } from './config.js'

export interface DeviceEntry {
  id: string
  labels?: Record<string, string>
}

/**
 * Devices to provision from a file (`outpost device add --from FILE`, docs/cli.md): CSV with a header row whose `id`
 * column names the device and every other column is a label (empty cells left out), or YAML/JSON: a list of
 * `{id, labels}` (or `{devices: [...]}`). Errors name the file and the row or entry.
 */
export function readDeviceFile(path: string): DeviceEntry[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message}`)
  }
  const ext = extname(path).toLowerCase()
  const entries = ext === '.csv' ? fromCsv(path, text) : ['.yaml', '.yml', '.json'].includes(ext) ? fromYaml(path, text) : undefined
  if (!entries) throw new ConfigError(`${path}: expected a .csv, .yaml, .yml or .json file`)
  if (entries.length === 0) throw new ConfigError(`${path}: no devices in the file`)
  return entries
}

function fromCsv(path: string, text: string): DeviceEntry[] {
  let rows: Array<Record<string, string>>
  try {
    rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as Array<Record<string, string>>
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message}`)
  }
  return rows.map((row, k) => {
    const { id, ...rest } = row
    // Row numbers as a spreadsheet shows them: the header is row 1.
    if (!id) throw new ConfigError(`${path}: row ${k + 2}: the id column is empty or missing (the header must name an "id" column)`)
    const labels = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== ''))
    return Object.keys(labels).length > 0 ? { id, labels } : { id }
  })
}

function fromYaml(path: string, text: string): DeviceEntry[] {
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    throw new ConfigError(`${path}: ${(err as Error).message}`)
  }
  const list = Array.isArray(doc) ? doc : doc && typeof doc === 'object' && Array.isArray((doc as { devices?: unknown }).devices) ? (doc as { devices: unknown[] }).devices : undefined
  if (!list) throw new ConfigError(`${path}: expected a list of {id, labels} (or devices: [...])`)
  return list.map((item, k) => {
    const where = `${path}: entry ${k + 1}`
    if (typeof item === 'string') return { id: item }
    if (!item || typeof item !== 'object') throw new ConfigError(`${where}: expected {id, labels}`)
    const { id, labels, ...rest } = item as Record<string, unknown>
    if (typeof id !== 'string' || !id) throw new ConfigError(`${where}: id must be a non-empty string`)
    if (Object.keys(rest).length > 0) throw new ConfigError(`${where}: unknown key ${JSON.stringify(Object.keys(rest)[0])} (expected id, labels)`)
    if (labels === undefined) return { id }
    if (!labels || typeof labels !== 'object' || Array.isArray(labels)) throw new ConfigError(`${where}: labels must be a map of names to values`)
    return { id, labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])) }
  })
}
