// Anomaly detection on the hub (issue 18, docs/anomaly.md): every selected series is scored as its samples are
// evaluated (inside the alert engine's step, before the rules, so an `anomaly` rule reads this batch's scores), its
// episodes are recorded as events, and its state is checkpointed to LevelDB. After a restart a series' state is
// loaded on first sight and the samples stored since its checkpoint are replayed from the metric store, so the same
// sample stream gives the same scores whether or not the hub was killed in between.
import type { Database } from '../storage/db.js'
import type { Labels } from '../../protocol/batch.js'
import type { SeriesScores } from './types.js'
import type { MetricStore } from '../metrics/store/types.js'
import type { BatchView } from '../alerts/rules/batch-view.js'
import { builtinDetectors } from './registry.js'
import { DEFAULT_DETECTORS, SeriesModel, type DetectorConfig, type SeriesVerdict } from './model.js'
import { stepEvent, type OpenEvent } from './events.js'
import { AnomalyStore, eventId, type AnomalyEvent, type Checkpoint } from './anomaly-store.js'
import { Selection, type SeriesSelection } from './selection.js'
import { seriesKey } from '../../protocol/batch.js'

export interface AnomalyOptions {
  /** Metric name globs scored without a rule (`anomaly.detect`). */
  detect: string[]
  detectors: DetectorConfig
  /** Event threshold on the score. */
  threshold: number
  /** Calm samples that close an event. */
  quiet: number
  /** How often states, scores and events are written. */
  checkpointMs: number
  /** A series with no saved state learns from this much stored history on first sight. */
  historyMs: number
}

export type { SeriesScores } from './types.js'

interface Tracked {
  /** The in-memory key (device and series, BatchView.seriesKeyOf). */
  key: string
  /** The store's identity of the series (its labels carry `device`), so scores are read back by SeriesInfo. */
  storeKey: string
  /** Selected by `anomaly.detect` (no per-batch check needed); otherwise by a rule, checked per batch. */
  selected: boolean
  device: string
  name: string
  labels: Labels
  state: Float64Array
  open?: OpenEvent & { id?: string }
  dirty: boolean
  /** The last checkpoint saved an open event for this series. */
  savedOpen: boolean
  eventDirty: boolean
  pendingTs: number[]
  pendingScores: number[]
}

export class AnomalyService {
  readonly model: SeriesModel
  private readonly selection: Selection
  private readonly store: AnomalyStore
  private readonly series = new Map<string, Tracked>()
  private readonly verdict: SeriesVerdict
  private readonly finished: AnomalyEvent[] = []
  private writes: Promise<void> = Promise.resolve()
  readonly counters = { samples: 0, replayed: 0, events: 0 }

  constructor(
    db: Database,
    private readonly metrics: MetricStore,
    private readonly options: AnomalyOptions,
  ) {
    this.model = new SeriesModel(builtinDetectors(), options.detectors)
    this.verdict = this.model.verdict()
    this.selection = new Selection(options.detect)
    this.store = new AnomalyStore(db)
  }

  /** An `anomaly` rule's series; the returned function releases them. */
  select(sel: SeriesSelection): () => void {
    return this.selection.add(sel)
  }

  /** Scores every selected series of the batch (in the engine's step); the rules read `view.anomaly`. */
  async score(view: BatchView): Promise<void> {
    const m = view.batch.m
    if (!m) return
    let out: Map<number, SeriesScores> | undefined
    for (const name of view.seriesNames()) {
      if (!this.selection.mayScore(name)) continue
      // Scores per sample are kept for the rules only when a rule reads this metric.
      const forRules = this.selection.hasRules(name)
      for (const i of view.seriesNamed(name)) {
        const positions = view.samplesOf(i)
        if (positions.length === 0) continue
        let t = this.series.get(view.seriesKeyOf(i))
        if (!t) {
          const labels = view.labelsOf(i)
          if (!this.selection.selects(name, view.device, labels)) continue
          t = await this.track(view.seriesKeyOf(i), view.device, name, labels, m.ts[positions[0]] + view.shift)
        } else if (!t.selected && !this.selection.selects(name, view.device, t.labels)) continue
        const scores: SeriesScores | undefined = forRules ? { ts: [], score: [], age: [] } : undefined
        for (let j = 0; j < positions.length; j++) {
          const k = positions[j]
          const ts = m.ts[k] + view.shift
          if (this.learn(t, ts, m.values[k]) && scores) {
            scores.ts.push(ts)
            scores.score.push(this.verdict.score)
            scores.age.push(ts - this.model.firstTs(t.state))
          }
        }
        if (scores && scores.ts.length > 0) (out ??= new Map()).set(i, scores)
      }
    }
    view.anomaly = out
  }

  /** Learns one sample of a tracked series: score, event, pending score row. False when skipped. */
  private learn(t: Tracked, ts: number, value: number): boolean {
    const v = this.verdict
    if (!this.model.update(t.state, ts, value, v)) return false
    this.counters.samples++
    t.dirty = true
    t.pendingTs.push(ts)
    t.pendingScores.push(Math.round(v.score * 1e6) / 1e6)
    const before = t.open
    const step = stepEvent(t, ts, value, v, this.options)
    if (step === 'opened') {
      t.open!.id = eventId(ts, t.storeKey)
      this.counters.events++
    }
    if (step === 'closed' && before) this.finished.push(this.eventOf(t, before, false))
    if (step === 'opened' || step === 'updated') t.eventDirty = true
    return true
  }

  /** First sight of a series in this process: its saved state, then the stored samples it has not learned yet. */
  private async track(key: string, device: string, name: string, labels: Labels, firstTs: number): Promise<Tracked> {
    const storeKey = seriesKey(name, labels)
    const saved = await this.store.load(storeKey)
    // A state saved under other detectors (the configuration changed) does not fit: the series learns afresh.
    const decoded = saved && this.model.decode(saved.state)
    const state = decoded || this.model.fresh()
    const t: Tracked = { key, storeKey, selected: this.selection.detects(name), device, name, labels, state, open: decoded ? saved.open : undefined, savedOpen: saved?.open !== undefined, dirty: !decoded, eventDirty: false, pendingTs: [], pendingScores: [] }
    this.series.set(key, t)
    const learned = this.model.samples(state) > 0
    const from = learned ? this.model.lastTs(state) + 1 : firstTs - this.options.historyMs
    if (from < firstTs) {
      const info = (await this.metrics.series({ name, labels })).find((s) => seriesKey(s.name, s.labels) === storeKey)
      if (info) {
        const [read] = await this.metrics.read([info], from, firstTs - 1)
        if (read) {
          for (let j = 0; j < read.ts.length; j++) if (this.learn(t, read.ts[j], read.values[j])) this.counters.replayed++
        }
      }
    }
    return t
  }

  private eventOf(t: Tracked, e: OpenEvent & { id?: string }, open: boolean): AnomalyEvent {
    return {
      id: e.id ?? eventId(e.start, t.storeKey),
      device: t.device,
      name: t.name,
      labels: t.labels,
      start: e.start,
      end: e.end,
      open,
      maxScore: e.maxScore,
      value: e.value,
      expected: e.expected,
      band: [e.lo, e.hi],
      detector: e.detector,
    }
  }

  /** Writes changed states with their scores and events in one batch (DESIGN §6). */
  checkpoint(): Promise<void> {
    const c = this.collect()
    // Writes go one after another: a later checkpoint never lands under an earlier one.
    const p = this.writes.then(() => this.store.write(c))
    this.writes = p.catch(() => {})
    return p
  }

  private collect(): Checkpoint {
    const c: Checkpoint = { states: [], scores: [], events: this.finished.splice(0) }
    for (const t of this.series.values()) {
      if (!t.dirty) continue
      c.states.push([t.storeKey, { state: this.model.encode(t.state), open: t.open && { ...t.open, id: t.open.id! }, hadOpen: t.savedOpen }])
      t.savedOpen = t.open !== undefined
      if (t.pendingTs.length > 0) c.scores.push([t.storeKey, { ts: t.pendingTs, s: t.pendingScores }])
      if (t.open && t.eventDirty) c.events.push(this.eventOf(t, t.open, true))
      t.dirty = false
      t.eventDirty = false
      t.pendingTs = []
      t.pendingScores = []
    }
    return c
  }

  /** Events overlapping [from, to] that match, newest first; open ones show their state as of now. */
  async events(q: { device?: string; name?: string; labels?: Labels; from: number; to: number; minScore?: number; limit: number }): Promise<AnomalyEvent[]> {
    await this.checkpoint()
    const out: AnomalyEvent[] = []
    // Events start at most this long before they are still open (retention bounds them anyway).
    for await (const e of this.store.eventsBetween(q.from - 30 * 86_400_000, q.to)) {
      if (e.end < q.from || e.start > q.to) continue
      if (q.device && e.device !== q.device) continue
      if (q.name && e.name !== q.name) continue
      if (q.minScore !== undefined && e.maxScore < q.minScore) continue
      if (q.labels && Object.entries(q.labels).some(([k, v]) => e.labels[k] !== v)) continue
      out.push(e)
    }
    out.sort((a, b) => b.start - a.start)
    return out.slice(0, q.limit)
  }

  /** Scores of a series in [from, to] (agg=anomaly_score). */
  async scores(name: string, labels: Labels, from: number, to: number): Promise<{ ts: number[]; values: number[] }> {
    await this.checkpoint()
    return this.store.readScores(seriesKey(name, labels), from, to)
  }

  /**
   * Forgets `device` (device purge): its tracked series and finished events leave memory first, so no later
   * checkpoint writes them back, then the store erases what earlier checkpoints wrote (after any write in flight).
   */
  purgeDevice(device: string): Promise<{ series: number; events: number }> {
    for (const [key, t] of this.series) if (t.device === device) this.series.delete(key)
    const kept = this.finished.filter((e) => e.device !== device)
    this.finished.splice(0, this.finished.length, ...kept)
    const p = this.writes.then(() => this.store.purgeDevice(device))
    this.writes = p.then(
      () => {},
      () => {},
    )
    return p
  }

  /** Per device: series scored, and how many are in an anomaly now (an open event). */
  rates(): Map<string, { series: number; anomalous: number }> {
    const out = new Map<string, { series: number; anomalous: number }>()
    for (const t of this.series.values()) {
      let r = out.get(t.device)
      if (!r) out.set(t.device, (r = { series: 0, anomalous: 0 }))
      r.series++
      if (t.open && t.open.calm === 0) r.anomalous++
    }
    return out
  }

  prune(cutoff: number): Promise<number> {
    return this.store.prune(cutoff)
  }

  /** Series tracked in memory. */
  get size(): number {
    return this.series.size
  }
}
