// The NAB evaluation (issue 18): every file of a NAB copy streamed through the hub's real detector code in time
// order (no look-ahead), its events turned into detections, scored with NAB's rules (nab-scorer.ts), which are first
// checked against the published per-file scores of two reference detectors. The threshold is chosen on half of the
// files and reported on the other half (and the other way round), beside the score tuned on all of them.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { SeriesModel, DEFAULT_DETECTORS, type DetectorConfig } from '../../hub/anomaly/model.js'
import { builtinDetectors } from '../../hub/anomaly/registry.js'
import { withHubDefaults } from '../../hub/settings.js'
import { stepEvent, type OpenEvent } from '../../hub/anomaly/events.js'
import { loadCorpus, loadProfiles, publishedScores, referenceScores, type NabFile } from './nab-corpus.js'
import { normalise, scoreDetections, sweepRows, type CostMatrix, type SweepRows } from './nab-scorer.js'

export interface NabOptions {
  root: string
  detectors?: DetectorConfig
  /** Calm samples that close an event (the hub's anomaly.eventQuiet). */
  quiet?: number
}

export interface Scored {
  file: NabFile
  scores: Float64Array
  rows: Record<string, SweepRows>
}


/** Thresholds tried: a fine grid over (0, 1]. */
const GRID = Array.from({ length: 200 }, (_, i) => (i + 1) / 200)

export function checkReferenceScorer(root: string, files: NabFile[], profiles: Record<string, CostMatrix>): string[] {
  const lines: string[] = []
  for (const detector of ['numenta', 'windowedGaussian']) {
    for (const [profile, cost] of Object.entries(profiles)) {
      const published = publishedScores(root, detector, profile)
      let compared = 0
      let worst = 0
      let ours = 0
      let theirs = 0
      for (const file of files) {
        const ref = published.get(file.name)
        const raw = referenceScores(root, detector, file.name)
        if (!ref || !raw) continue
        const rows = sweepRows(file, cost)
        const s = scoreDetections(rows, raw.map((x) => x >= ref.threshold), cost).score
        compared++
        worst = Math.max(worst, Math.abs(s - ref.score))
        ours += s
        theirs += ref.score
      }
      if (compared === 0) continue
      lines.push(`  ${detector.padEnd(17)} ${profile.padEnd(19)} files ${String(compared).padStart(3)}  raw sum ${ours.toFixed(4).padStart(10)} vs published ${theirs.toFixed(4).padStart(10)}  worst file |Δ| ${worst.toExponential(1)}`)
    }
  }
  return lines
}

/** Streams each file through the detectors; returns per-row scores and the time spent per sample. */
export function scoreCorpus(files: NabFile[], config: DetectorConfig): { scores: Float64Array[]; usPerSample: number; stateBytes: number } {
  const model = new SeriesModel(builtinDetectors(), config)
  const v = model.verdict()
  const scores: Float64Array[] = []
  let samples = 0
  const t0 = process.hrtime.bigint()
  for (const f of files) {
    const s = model.fresh()
    const out = new Float64Array(f.ts.length)
    for (let i = 0; i < f.ts.length; i++) out[i] = model.update(s, f.ts[i], f.values[i], v) ? v.score : 0
    samples += f.ts.length
    scores.push(out)
  }
  const ns = Number(process.hrtime.bigint() - t0)
  return { scores, usPerSample: ns / 1000 / samples, stateBytes: model.stateBytes }
}

/** Event starts at `threshold`: the rows an operator would have been told of. */
export function detections(scores: Float64Array, threshold: number, quiet: number): Uint8Array {
  const out = new Uint8Array(scores.length)
  const v = { score: 0, expected: 0, lo: 0, hi: 0, by: '', scores: new Float64Array(0) }
  const holder: { open?: OpenEvent } = {}
  const policy = { threshold, quiet }
  for (let i = 0; i < scores.length; i++) {
    v.score = scores[i]
    if (stepEvent(holder, i, 0, v, policy) === 'opened') out[i] = 1
  }
  return out
}

/** How a score stream becomes detections at a threshold: ours are event starts; NAB's reference rows are each a detection. */
export type Detect = (scores: Float64Array, threshold: number) => ArrayLike<number | boolean>
const rowsAbove: Detect = (scores, threshold) => scores.map((x) => (x >= threshold ? 1 : 0))

export function total(set: Scored[], profile: string, cost: CostMatrix, threshold: number, quiet: number, detect?: Detect) {
  let raw = 0
  let windows = 0
  for (const s of set) {
    const r = scoreDetections(s.rows[profile], detect ? detect(s.scores, threshold) : detections(s.scores, threshold, quiet), cost)
    raw += r.score
    windows += r.windows
  }
  return normalise(raw, windows, cost)
}

export function best(set: Scored[], profile: string, cost: CostMatrix, quiet: number, detect?: Detect): { threshold: number; score: number } {
  let top = { threshold: 1, score: -Infinity }
  for (const t of GRID) {
    const score = total(set, profile, cost, t, quiet, detect)
    if (score > top.score) top = { threshold: t, score }
  }
  return top
}

/** Event precision and recall, detection delay and false alarms per series-day at `threshold` over `set`. */
function eventFigures(set: Scored[], threshold: number, quiet: number) {
  let events = 0
  let inWindow = 0
  let windows = 0
  let hit = 0
  let delayRows = 0
  let delayMs = 0
  let delays = 0
  let falseAlarms = 0
  let days = 0
  for (const s of set) {
    const rows = s.rows.standard
    const d = detections(s.scores, threshold, quiet)
    const r = scoreDetections(rows, d, { tpWeight: 1, fpWeight: 0, fnWeight: 1 })
    for (let i = 0; i < d.length; i++) {
      if (!d[i] || rows.window[i] === -2) continue
      events++
      if (rows.window[i] >= 0) inWindow++
      else falseAlarms++
    }
    windows += r.windows
    hit += r.windowsHit
    const ts = s.file.ts
    const step = ts.length > 1 ? (ts[ts.length - 1] - ts[0]) / (ts.length - 1) : 0
    for (const dr of r.delays) {
      delayRows += dr
      delayMs += dr * step
      delays++
    }
    const firstScored = rows.window.findIndex((w) => w !== -2)
    days += (ts[ts.length - 1] - ts[Math.max(0, firstScored)]) / 86_400_000
  }
  return {
    precision: events ? inWindow / events : 0,
    recall: windows ? hit / windows : 0,
    delayRows: delays ? delayRows / delays : 0,
    delayMinutes: delays ? delayMs / delays / 60_000 : 0,
    falseAlarmsPerSeriesDay: days ? falseAlarms / days : 0,
  }
}

/** Two halves with every category in each: alternate files within each category, in name order. */
export function split(files: NabFile[]): [NabFile[], NabFile[]] {
  const a: NabFile[] = []
  const b: NabFile[] = []
  const seen = new Map<string, number>()
  for (const f of files) {
    const cat = f.name.split('/')[0]
    const k = seen.get(cat) ?? 0
    seen.set(cat, k + 1)
    ;(k % 2 === 0 ? a : b).push(f)
  }
  return [a, b]
}

/** The detector set the hub ran before `rarity` (and then `context`) became the default, scored beside it in the same run. */
export const PREVIOUS_DETECTORS: DetectorConfig = { robust: {}, seasonal: {}, levelshift: {} }

export function benchNab(options: NabOptions): string[] {
  const { root } = options
  const quiet = options.quiet ?? 30
  const lines: string[] = []
  if (!existsSync(join(root, 'labels/combined_windows.json'))) return [`  no NAB copy at ${root} (set OUTPOST_NAB_DIR)`]
  const files = loadCorpus(root)
  const profiles = loadProfiles(root)
  const windows = files.reduce((n, f) => n + f.windows.length, 0)
  lines.push(`  corpus ${root}: ${files.length} files, ${files.reduce((n, f) => n + f.ts.length, 0).toLocaleString('en')} rows, ${windows} windows`)
  lines.push('  scorer check (reference raw outputs at their published thresholds vs their published per-file scores):')
  lines.push(...checkReferenceScorer(root, files, profiles))
  const rowsOf = (file: NabFile) => Object.fromEntries(Object.entries(profiles).map(([p, c]) => [p, sweepRows(file, c)]))
  const fileRows = new Map(files.map((f) => [f, rowsOf(f)]))
  // Training split A chooses every parameter and threshold; held-out split B is only scored (split: alternate
  // files within each category, by name, so both hold every category).
  const [trainFiles, heldFiles] = split(files)
  lines.push(`  training split A: ${trainFiles.length} files; held-out split B: ${heldFiles.length} files (threshold chosen on A, scored on B)`)
  lines.push(`  ${'detector, profile'.padEnd(54)} ${'tuned (all)'.padStart(14)} ${'training A'.padStart(14)} ${'held-out B (A\'s thr.)'.padStart(22)}`)
  const table = (label: string, all: Scored[], detect?: Detect) => {
    const a = all.filter((s) => trainFiles.includes(s.file))
    const b = all.filter((s) => heldFiles.includes(s.file))
    const out: Record<string, number> = {}
    for (const [profile, cost] of Object.entries(profiles)) {
      const tuned = best(all, profile, cost, quiet, detect)
      const onA = best(a, profile, cost, quiet, detect)
      const heldB = total(b, profile, cost, onA.threshold, quiet, detect)
      if (profile === 'standard') out.standardThreshold = onA.threshold
      const cell = (s: number, t: number) => `${s.toFixed(1)} @${t.toFixed(3)}`
      lines.push(`  ${(label + ' ' + profile).padEnd(54)} ${cell(tuned.score, tuned.threshold).padStart(14)} ${cell(onA.score, onA.threshold).padStart(14)} ${cell(heldB, onA.threshold).padStart(22)}`)
    }
    return out
  }
  const configs: Array<[string, DetectorConfig]> = options.detectors
    ? [['outpost ' + Object.keys(options.detectors).join('+'), options.detectors]]
    : [
        ['outpost context (default)', DEFAULT_DETECTORS],
        ['outpost rarity (prev. default)', { rarity: {} }],
        ['outpost robust+seasonal+levelshift', PREVIOUS_DETECTORS],
      ]
  const figures: string[] = []
  for (const [label, config] of configs) {
    const runs: number[] = []
    let scored: { scores: Float64Array[]; usPerSample: number; stateBytes: number } | undefined
    for (let k = 0; k < 3; k++) {
      scored = scoreCorpus(files, config)
      runs.push(scored.usPerSample)
    }
    runs.sort((x, y) => x - y)
    const all: Scored[] = files.map((file, i) => ({ file, scores: scored!.scores[i], rows: fileRows.get(file)! }))
    lines.push(`  ${label}: state ${scored!.stateBytes} B/series; ${runs[1].toFixed(3)} µs/sample (median of 3 passes); events close after ${quiet} calm samples`)
    const { standardThreshold } = table(label, all)
    if (config === DEFAULT_DETECTORS) {
      // What a hub does out of the box: the default detector at the default event threshold (anomaly.threshold).
      const t = withHubDefaults({}).anomaly.threshold
      const at = (set: Scored[]) => total(set, 'standard', profiles.standard, t, quiet).toFixed(1)
      lines.push(`  ${label} standard at the hub's default threshold ${t}: training A ${at(all.filter((s) => trainFiles.includes(s.file)))}, held-out B ${at(all.filter((s) => heldFiles.includes(s.file)))}`)
    }
    for (const [name, set] of [['training A', all.filter((s) => trainFiles.includes(s.file))], ['held-out B', all.filter((s) => heldFiles.includes(s.file))]] as const) {
      const e = eventFigures(set, standardThreshold, quiet)
      figures.push(
        `  ${label}, ${name}, events at A's standard threshold ${standardThreshold.toFixed(3)}: precision ${(100 * e.precision).toFixed(1)} %, recall ${(100 * e.recall).toFixed(1)} % of windows, ` +
          `mean delay ${e.delayRows.toFixed(1)} rows (${e.delayMinutes.toFixed(0)} min) from window start, ${e.falseAlarmsPerSeriesDay.toFixed(3)} false alarms per series-day`,
      )
    }
  }
  // Baselines in the same run: the published raw outputs of NAB's reference detectors, scored by the same code with
  // the same threshold procedure (each row at or above the threshold a detection, as NAB counts them).
  for (const detector of ['numenta', 'windowedGaussian']) {
    const ref: Scored[] = []
    for (const file of files) {
      const raw = referenceScores(root, detector, file.name)
      if (raw && raw.length === file.ts.length) ref.push({ file, scores: Float64Array.from(raw), rows: fileRows.get(file)! })
    }
    if (ref.length !== files.length) continue
    table(detector === 'numenta' ? 'Numenta HTM (published raw)' : 'windowed Gaussian (published raw)', ref, rowsAbove)
  }
  lines.push(...figures)
  lines.push('  published on the full 58-file NAB (not this copy): Numenta HTM 70.1, KNN CAD 58.0, Twitter ADVec 47.1, windowed Gaussian 39.6')
  return lines
}

/** `node dist/bench/anomaly/nab.js [root] [detectors-json] [quiet]`: the section alone, for tuning runs. */
if (process.argv[1]?.endsWith('nab.js')) {
  const root = process.argv[2] ?? process.env.OUTPOST_NAB_DIR ?? defaultRoot()
  const detectors = process.argv[3] ? (JSON.parse(process.argv[3]) as DetectorConfig) : undefined
  const quiet = process.argv[4] ? Number(process.argv[4]) : undefined
  for (const l of benchNab({ root, detectors, quiet })) console.log(l)
}

export function defaultRoot(): string {
  // The project's shared folder sits beside the repository (../shared/nab).
  for (const p of [join(process.cwd(), '../shared/nab'), '/work/shared/nab']) if (existsSync(p)) return p
  return join(process.cwd(), '../shared/nab')
}

