// NAB's scoring (numenta/NAB nab/sweeper.py, MIT), reimplemented: a probationary start that is not scored, anomaly
// windows each counted once and rewarded by a scaled sigmoid of how early inside the window the first detection came,
// missed windows costing fnWeight, and detections outside windows costing fpWeight scaled by the sigmoid of their
// distance past the last window. Checked against NAB's published per-file scores (bench/anomaly/nab.ts).

export interface CostMatrix {
  tpWeight: number
  fpWeight: number
  fnWeight: number
}

/** One file, ready to score: row times and the windows' [start, end] times (which are row times). */
export interface ScoredFile {
  name: string
  ts: number[]
  windows: Array<[number, number]>
}

/** Per-row weights of a file under one profile, computed once and reused for every threshold. */
export interface SweepRows {
  /** The row's sweep score if it were a detection. */
  weight: Float64Array
  /** The window index of each row, -1 outside windows, -2 in the probationary period (not scored). */
  window: Int32Array
  /** Windows with at least one scored row. */
  windows: number
}

export const PROBATION_PERCENT = 0.15

export function probationaryLength(rows: number): number {
  return Math.min(Math.floor(PROBATION_PERCENT * rows), PROBATION_PERCENT * 5000)
}

export function scaledSigmoid(position: number): number {
  if (position > 3) return -1
  return 2 / (1 + Math.exp(5 * position)) - 1
}

/** NAB's calcSweepScore: each row's score as a detection, and its window. */
export function sweepRows(file: ScoredFile, cost: CostMatrix): SweepRows {
  const n = file.ts.length
  const weight = new Float64Array(n)
  const window = new Int32Array(n).fill(-1)
  const index = new Map<number, number>()
  file.ts.forEach((t, i) => index.set(t, i))
  const maxTP = scaledSigmoid(-1)
  const probation = probationaryLength(n)
  const limits = file.windows.slice()
  let cur: { id: number; end: number; right: number; width: number } | undefined
  let prevRight: number | undefined
  let prevWidth = 0
  let nextId = 0
  const scoredWindows = new Set<number>()
  for (let i = 0; i < n; i++) {
    const t = file.ts[i]
    if (!cur && limits.length > 0 && t === limits[0][0]) {
      const [start, end] = limits.shift()!
      const right = index.get(end)
      if (right === undefined) throw new Error(`${file.name}: window end ${new Date(end).toISOString()} is not a row time`)
      cur = { id: nextId++, end, right, width: right - index.get(start)! + 1 }
    }
    if (cur) {
      weight[i] = (scaledSigmoid(-(cur.right - i + 1) / cur.width) * cost.tpWeight) / maxTP
    } else if (prevRight === undefined) {
      weight[i] = -1 * cost.fpWeight
    } else {
      weight[i] = scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1)) * cost.fpWeight
    }
    if (i < probation) window[i] = -2
    else if (cur) {
      window[i] = cur.id
      scoredWindows.add(cur.id)
    }
    if (cur && t === cur.end) {
      prevRight = i
      prevWidth = cur.width
      cur = undefined
    }
  }
  // Windows renumbered densely over the scored ones.
  const dense = new Map([...scoredWindows].sort((a, b) => a - b).map((id, k) => [id, k]))
  for (let i = 0; i < n; i++) if (window[i] >= 0) window[i] = dense.get(window[i])!
  return { weight, window, windows: dense.size }
}

export interface FileScore {
  score: number
  tp: number
  fp: number
  fn: number
  tn: number
  /** Windows with a detection / windows. */
  windowsHit: number
  windows: number
  /** Rows from each hit window's start to its first detection. */
  delays: number[]
}

/** A file's raw NAB score for a detection per row (true = the detector flags the row). */
export function scoreDetections(rows: SweepRows, detected: ArrayLike<boolean | number>, cost: CostMatrix): FileScore {
  const best = new Float64Array(rows.windows).fill(-cost.fnWeight)
  const hit = new Array<boolean>(rows.windows).fill(false)
  const firstRow = new Array<number>(rows.windows).fill(-1)
  const firstHit = new Array<number>(rows.windows).fill(-1)
  let fpScore = 0
  let tp = 0
  let fp = 0
  let fn = 0
  let tn = 0
  for (let i = 0; i < rows.weight.length; i++) {
    const w = rows.window[i]
    if (w === -2) continue
    if (w >= 0 && firstRow[w] < 0) firstRow[w] = i
    if (detected[i]) {
      if (w >= 0) {
        tp++
        if (rows.weight[i] > best[w]) best[w] = rows.weight[i]
        if (!hit[w]) firstHit[w] = i
        hit[w] = true
      } else {
        fp++
        fpScore += rows.weight[i]
      }
    } else if (w >= 0) fn++
    else tn++
  }
  let score = fpScore
  for (const b of best) score += b
  const delays = firstHit.flatMap((h, w) => (h >= 0 ? [h - firstRow[w]] : []))
  return { score, tp, fp, fn, tn, windowsHit: hit.filter(Boolean).length, windows: rows.windows, delays }
}

/** NAB's normalisation: 100 × (raw − null) / (perfect − null), null never detecting, perfect hitting each window first. */
export function normalise(raw: number, windows: number, cost: CostMatrix): number {
  const nullScore = -cost.fnWeight * windows
  const perfect = cost.tpWeight * windows
  return (100 * (raw - nullScore)) / (perfect - nullScore)
}
