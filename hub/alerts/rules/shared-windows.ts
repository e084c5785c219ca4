import type { Labels } from '../../../protocol/batch.js'
import type { ThresholdRule } from './threshold/schema.js'
import { deviceMatcher, labelsMatch, type BatchView } from './batch-view.js'
import { aggregate, SampleWindow, Scratch, type WindowAgg } from './windows.js'

/** Evaluation points per group per batch: its latest distinct sample times (a replayed batch is bounded). */
const MAX_POINTS = 64

/** One group's series windows, with the evaluation points and aggregates of the batch being evaluated. */
export class WindowGroup {
  readonly windows: SampleWindow[] = []
  /** Sample times of the current batch, then its evaluation points (ascending, distinct). */
  points: number[] = []
  /** The last batch that touched the group (SharedWindows' count). */
  stamp = -1
  private readonly memo = new Map<WindowAgg, Array<number | undefined>>()

  constructor(
    readonly key: string,
    readonly labels: Labels,
  ) {}

  /** The aggregate at each point, computed once per batch for all the rules sharing the group. */
  aggregates(agg: WindowAgg, window: number, scratch: Scratch): Array<number | undefined> {
    let values = this.memo.get(agg)
    if (!values) {
      values = this.points.map((to) => aggregate(this.windows, agg, to - window, to, scratch))
      this.memo.set(agg, values)
    }
    return values
  }

  /** Starts a batch: forgets the previous one's points and aggregates, drops samples older than the window. */
  begin(window: number): void {
    this.points.length = 0
    this.memo.clear()
    let latest = -Infinity
    for (const w of this.windows) if (w.latest > latest) latest = w.latest
    for (const w of this.windows) w.prune(latest - window)
  }

  finish(): void {
    const p = this.points
    if (p.length <= 1) return
    p.sort((a, b) => a - b)
    let n = 0
    for (let i = 0; i < p.length; i++) if (n === 0 || p[i] !== p[n - 1]) p[n++] = p[i]
    p.length = n
    if (n > MAX_POINTS) this.points = p.slice(n - MAX_POINTS)
  }
}

/**
 * The sample windows of the series a threshold rule selects (device pattern, metric, matchers, groupBy, window),
 * shared by every rule selecting the same ones: each batch is added once however many rules read it, and rules with the
 * same aggregation share its result. A rule added later starts with the samples its twins already hold.
 */
export class SharedWindows {
  readonly groups = new Map<string, WindowGroup>()
  readonly scratch = new Scratch()
  /** Every series seen, by its key (device, name, labels): its slot, or null when the matchers refuse it. */
  private readonly slots = new Map<string, Slot | null>()
  private readonly onDevice: (device: string) => boolean
  private view?: BatchView
  private batches = 0
  private touched: WindowGroup[] = []

  private readonly metric: string
  private readonly match: Labels
  private readonly groupBy: string[]
  private readonly window: number

  constructor(rule: ThresholdRule) {
    this.onDevice = deviceMatcher(rule.device)
    this.metric = rule.metric
    this.match = rule.match
    this.groupBy = rule.groupBy
    this.window = rule.window
  }

  /** The groups the batch touched, with their evaluation points; the batch's samples are added on the first call. */
  add(view: BatchView): readonly WindowGroup[] {
    if (view === this.view) return this.touched
    this.view = view
    this.touched = []
    const stamp = ++this.batches
    const m = view.batch.m
    if (!m || !this.onDevice(view.device)) return this.touched
    for (const i of view.seriesNamed(this.metric)) {
      const slot = this.slotOf(view, i)
      if (!slot) continue
      const { group, window: w } = slot
      if (group.stamp !== stamp) {
        group.stamp = stamp
        group.begin(this.window)
        this.touched.push(group)
      }
      const { ts, values } = m
      for (const k of view.samplesOf(i)) {
        const t = ts[k] + view.shift
        w.push(t, values[k])
        group.points.push(t)
      }
    }
    for (const group of this.touched) group.finish()
    return this.touched
  }

  /** Series `i`'s window and group, or null when the rule does not select it; labels are read once per series. */
  private slotOf(view: BatchView, i: number): Slot | null {
    const seriesKey = view.seriesKeyOf(i)
    let slot = this.slots.get(seriesKey)
    if (slot !== undefined) return slot
    slot = null
    if (labelsMatch(view.labelsOf(i), this.match)) {
      const g = view.groupOfSeries(i, this.groupBy)
      let group = this.groups.get(g.key)
      if (!group) this.groups.set(g.key, (group = new WindowGroup(g.key, g.labels)))
      const window = new SampleWindow()
      group.windows.push(window)
      slot = { group, window }
    }
    this.slots.set(seriesKey, slot)
    return slot
  }
}

interface Slot {
  group: WindowGroup
  window: SampleWindow
}

/** Shared windows by selection, counted by the rules using them; one per engine (EvalContext). */
export class WindowRegistry {
  private readonly entries = new Map<string, { shared: SharedWindows; users: number }>()

  acquire(rule: ThresholdRule): { shared: SharedWindows; release: () => void } {
    const sig = JSON.stringify([rule.device, rule.metric, Object.entries(rule.match).sort(), rule.groupBy, rule.window])
    let entry = this.entries.get(sig)
    if (!entry) this.entries.set(sig, (entry = { shared: new SharedWindows(rule), users: 0 }))
    entry.users++
    let released = false
    return {
      shared: entry.shared,
      release: () => {
        if (released) return
        released = true
        if (--entry.users === 0) this.entries.delete(sig)
      },
    }
  }

  get size(): number {
    return this.entries.size
  }
}
