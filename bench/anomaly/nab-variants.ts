// Tuning aid for the NAB section (issue 18): scores detector configurations on the training split A only, with a
// cross-validation inside A (threshold chosen on one half of A, scored on the other, both ways) as the selection
// figure; held-out split B is printed beside it for the record, never used to choose.
// `node dist/bench/anomaly/nab-variants.js '<label>=<detectors-json>' …` (OUTPOST_NAB_DIR or ../shared/nab).
import type { DetectorConfig } from '../../hub/anomaly/model.js'
import { loadCorpus, loadProfiles } from './nab-corpus.js'
import { normalise, scoreDetections, sweepRows } from './nab-scorer.js'
import { best, defaultRoot, detections, scoreCorpus, split, total, type Scored } from './nab.js'

const QUIET = Number(process.env.NAB_QUIET ?? 30)

function rawAt(set: Scored[], profile: string, cost: Parameters<typeof scoreDetections>[2], t: number) {
  let raw = 0
  let windows = 0
  for (const s of set) {
    const r = scoreDetections(s.rows[profile], detections(s.scores, t, QUIET), cost)
    raw += r.score
    windows += r.windows
  }
  return { raw, windows }
}

if (process.argv[1]?.endsWith('nab-variants.js')) main()

function main(): void {
  const root = process.env.OUTPOST_NAB_DIR ?? defaultRoot()
  const files = loadCorpus(root)
  const profiles = loadProfiles(root)
  const [trainFiles, heldFiles] = split(files)
  const [a1, a2] = split(trainFiles)
  const rows = new Map(files.map((f) => [f, Object.fromEntries(Object.entries(profiles).map(([p, c]) => [p, sweepRows(f, c)]))]))
  const perFile = process.env.NAB_PER_FILE === '1'
  for (const arg of process.argv.slice(2)) {
    const eq = arg.indexOf('=')
    const label = arg.slice(0, eq)
    const config = JSON.parse(arg.slice(eq + 1)) as DetectorConfig
    const scored = scoreCorpus(files, config)
    const all: Scored[] = files.map((file, i) => ({ file, scores: scored.scores[i], rows: rows.get(file)! }))
    const of = (fs: typeof files) => all.filter((s) => fs.includes(s.file))
    const A = of(trainFiles)
    const B = of(heldFiles)
    const cells: string[] = []
    for (const [profile, cost] of Object.entries(profiles)) {
      const onA = best(A, profile, cost, QUIET)
      const t1 = best(of(a1), profile, cost, QUIET).threshold
      const t2 = best(of(a2), profile, cost, QUIET).threshold
      const x = rawAt(of(a2), profile, cost, t1)
      const y = rawAt(of(a1), profile, cost, t2)
      const h1 = best(of(a1), profile, cost, QUIET).score
      const h2 = best(of(a2), profile, cost, QUIET).score
      const cv = normalise(x.raw + y.raw, x.windows + y.windows, cost)
      const heldB = total(B, profile, cost, onA.threshold, QUIET)
      // NAB_AT=<threshold>: A (never B) also at a fixed threshold, e.g. the hub's default.
      const fixed = process.env.NAB_AT ? ` A@${process.env.NAB_AT} ${total(A, profile, cost, Number(process.env.NAB_AT), QUIET).toFixed(1)}` : ''
      cells.push(`${profile.slice(0, 12).padEnd(12)} A ${onA.score.toFixed(1)}@${onA.threshold.toFixed(3)} cvA ${cv.toFixed(1)} (${t1.toFixed(2)}/${t2.toFixed(2)}) A1 ${h1.toFixed(1)}@${t1.toFixed(2)} A2 ${h2.toFixed(1)}@${t2.toFixed(2)} A2@t1 ${normalise(x.raw, x.windows, cost).toFixed(1)} A1@t2 ${normalise(y.raw, y.windows, cost).toFixed(1)}${fixed}${process.env.NAB_SHOW_B === '1' ? ` B ${heldB.toFixed(1)}` : ''}`)
      if (perFile && profile === 'standard') {
        for (const s of A) {
          const r = scoreDetections(s.rows.standard, detections(s.scores, onA.threshold, QUIET), cost)
          console.log(`    A ${s.file.name.padEnd(52)} raw ${r.score.toFixed(2).padStart(6)} windows ${r.windowsHit}/${r.windows} fp ${r.fp}`)
        }
      }
    }
    console.log(`${label.padEnd(24)} ${scored.usPerSample.toFixed(2)}µs ${scored.stateBytes}B | ${cells.join(' | ')}`)
  }
}
