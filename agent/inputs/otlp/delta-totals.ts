// Delta temporality (OTLP AggregationTemporality DELTA) carries what changed since the last export; the hub stores
// cumulative values (a counter's rate, a histogram's buckets). So the agent keeps a running total per series in
// memory and sends that. A restart starts the totals from zero again, which the hub reads as a counter reset.
// The totals of a request become current only when the request is durably buffered (`commit`), so an exporter's
// retry of a refused request is not counted twice.

/** Running totals of one delta series: a sum's value, or a histogram's bucket counts, sum and count. */
export interface DeltaState {
  /** Bucket bounds the counts belong to; a change of bounds starts the series over. */
  bounds?: readonly number[]
  counts: number[]
  sum: number
  count: number
}

/** Most delta series tracked; data points of further series are refused (and named in partialSuccess). */
export const MAX_DELTA_SERIES = 10_000

export class DeltaTotals {
  private readonly committed = new Map<string, DeltaState>()

  constructor(private readonly maxSeries = MAX_DELTA_SERIES) {}

  /** A staging area for one request: reads see committed totals plus what the request added so far. */
  stage(): DeltaStage {
    return new DeltaStage(this.committed, this.maxSeries)
  }

  get size(): number {
    return this.committed.size
  }
}

export class DeltaStage {
  private readonly pending = new Map<string, DeltaState>()
  /** Series this request adds that have no committed total yet. */
  private added = 0

  constructor(
    private readonly committed: Map<string, DeltaState>,
    private readonly maxSeries: number,
  ) {}

  /**
   * Adds a delta to the series' running total and returns the new total, or undefined when the series would
   * be one more than the limit allows.
   */
  add(key: string, delta: DeltaState): DeltaState | undefined {
    const before = this.pending.get(key) ?? this.committed.get(key)
    if (!before) {
      if (this.committed.size + this.added >= this.maxSeries) return undefined
      this.added++
    }
    const sameBounds = before && sameNumbers(before.bounds, delta.bounds)
    const total: DeltaState = sameBounds
      ? { bounds: delta.bounds, counts: delta.counts.map((c, k) => c + (before.counts[k] ?? 0)), sum: before.sum + delta.sum, count: before.count + delta.count }
      : { ...delta, counts: [...delta.counts] }
    this.pending.set(key, total)
    return total
  }

  /** The request is buffered: its totals become the series' totals. */
  commit(): void {
    for (const [key, state] of this.pending) this.committed.set(key, state)
    this.pending.clear()
  }
}

function sameNumbers(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  return a.length === b.length && a.every((x, k) => x === b[k])
}
