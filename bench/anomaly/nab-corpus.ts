// Reads a NAB copy as it is laid out (data/<category>/<file>.csv, labels/combined_windows.json,
// config/profiles.json): whatever files are in the data folder, so the bench runs on a corpus it has never seen.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import type { CostMatrix } from './nab-scorer.js'

export interface NabFile {
  /** `<category>/<file>.csv`, the key in the labels. */
  name: string
  ts: number[]
  values: number[]
  windows: Array<[number, number]>
}

/** NAB's timestamps (`2014-04-10 07:15:00[.000000]`) are UTC. */
export function parseNabTime(s: string): number {
  const t = Date.parse(s.trim().replace(' ', 'T').replace(/(\.\d{3})\d*$/, '$1') + 'Z')
  if (!Number.isFinite(t)) throw new Error(`bad NAB timestamp ${JSON.stringify(s)}`)
  return t
}

export function loadProfiles(root: string): Record<string, CostMatrix> {
  const raw = JSON.parse(readFileSync(join(root, 'config/profiles.json'), 'utf8')) as Record<string, { CostMatrix: CostMatrix }>
  return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.CostMatrix]))
}

export function loadCorpus(root: string): NabFile[] {
  const windows = JSON.parse(readFileSync(join(root, 'labels/combined_windows.json'), 'utf8')) as Record<string, string[][]>
  const files: NabFile[] = []
  const dataDir = join(root, 'data')
  for (const category of readdirSync(dataDir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    for (const f of readdirSync(join(dataDir, category)).filter((f) => f.endsWith('.csv')).sort()) {
      const name = `${category}/${f}`
      const w = windows[name]
      if (!w) continue // a file without labels cannot be scored
      const { ts, columns } = readCsv(join(dataDir, name), ['value'])
      files.push({ name, ts, values: columns.value, windows: w.map(([a, b]) => [parseNabTime(a), parseNabTime(b)]) })
    }
  }
  return files
}

/** A NAB csv: the first column is the timestamp; `wanted` columns by header name. */
export function readCsv(path: string, wanted: string[]): { ts: number[]; columns: Record<string, number[]> } {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.length > 0)
  const header = lines[0].split(',')
  const idx = wanted.map((w) => header.indexOf(w))
  idx.forEach((i, k) => {
    if (i < 0) throw new Error(`${path}: no column ${wanted[k]}`)
  })
  const ts: number[] = []
  const columns: Record<string, number[]> = Object.fromEntries(wanted.map((w) => [w, []]))
  for (let r = 1; r < lines.length; r++) {
    const cells = lines[r].split(',')
    ts.push(parseNabTime(cells[0]))
    wanted.forEach((w, k) => columns[w].push(Number(cells[idx[k]])))
  }
  return { ts, columns }
}

/** Published raw outputs of a reference detector for `file`, if this copy has them. */
export function referenceScores(root: string, detector: string, file: string): number[] | undefined {
  const [category, base] = file.split('/')
  const path = join(root, 'results', detector, category, `${detector}_${base}`)
  if (!existsSync(path)) return undefined
  return readCsv(path, ['anomaly_score']).columns.anomaly_score
}

/** Published per-file scores of a reference detector under a profile: file → {threshold, score}. */
export function publishedScores(root: string, detector: string, profile: string): Map<string, { threshold: number; score: number }> {
  const path = join(root, 'results', detector, `${detector}_${profile}_scores.csv`)
  const out = new Map<string, { threshold: number; score: number }>()
  if (!existsSync(path)) return out
  for (const line of readFileSync(path, 'utf8').split(/\r?\n/).slice(1)) {
    const c = line.split(',')
    if (c.length < 5 || c[2] === '' || c[0] === 'Totals') continue
    out.set(c[2], { threshold: Number(c[3]), score: Number(c[4]) })
  }
  return out
}
