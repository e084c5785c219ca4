// One reducer per aggregation: folds the samples of one bucket of one output series into a value.
// Each class keeps its own tight loop over the typed arrays, so no sample is copied except for percentiles.
import { percentileOfSorted, ScratchValues } from './percentile.js'
import type { Aggregation } from './types.js'

export interface BucketReducer {
  reset(): void
  /** Folds samples [start, end) of one series into the bucket. Series come in group order, each at most once. */
  add(ts: Float64Array, values: Float64Array, start: number, end: number): void
  /** The bucket's value, or undefined when the bucket yields no point. */
  result(): number | undefined
}

export function createReducer(agg: Aggregation, step: number): BucketReducer {
  switch (agg) {
    case 'avg':
    case 'min':
    case 'max':
    case 'sum':
    case 'count':
      return new PoolReducer(agg)
    case 'last':
      return new LastReducer()
    case 'rate':
      return new RateReducer(step)
    case 'p50':
      return new PercentileReducer(0.5)
    case 'p90':
      return new PercentileReducer(0.9)
    case 'p95':
      return new PercentileReducer(0.95)
    case 'p99':
      return new PercentileReducer(0.99)
  }
}

/** avg, min, max, sum, count over every sample of the group in the bucket. */
class PoolReducer implements BucketReducer {
  private count = 0
  private sum = 0
  private min = Infinity
  private max = -Infinity

  constructor(private readonly agg: 'avg' | 'min' | 'max' | 'sum' | 'count') {}

  reset(): void {
    this.count = 0
    this.sum = 0
    this.min = Infinity
    this.max = -Infinity
  }

  add(_ts: Float64Array, values: Float64Array, start: number, end: number): void {
    let sum = this.sum
    let min = this.min
    let max = this.max
    for (let i = start; i < end; i++) {
      const value = values[i]
      sum += value
      if (value < min) min = value
      if (value > max) max = value
    }
    this.sum = sum
    this.min = min
    this.max = max
    this.count += end - start
  }

  result(): number | undefined {
    if (this.count === 0) return undefined
    switch (this.agg) {
      case 'avg':
        return this.sum / this.count
      case 'min':
        return this.min
      case 'max':
        return this.max
      case 'sum':
        return this.sum
      case 'count':
        return this.count
    }
  }
}

/** The latest sample in the bucket; on equal timestamps the later series in group order wins. */
class LastReducer implements BucketReducer {
  private found = false
  private latestTs = -Infinity
  private latestValue = 0

  reset(): void {
    this.found = false
    this.latestTs = -Infinity
  }

  add(ts: Float64Array, values: Float64Array, start: number, end: number): void {
    if (end <= start) return
    const candidateTs = ts[end - 1]
    if (!this.found || candidateTs >= this.latestTs) {
      this.found = true
      this.latestTs = candidateTs
      this.latestValue = values[end - 1]
    }
  }

  result(): number | undefined {
    return this.found ? this.latestValue : undefined
  }
}

/**
 * Per-second increase of counters, Prometheus-style: each sample is compared with the sample before it in the
 * same series (index - 1, which may lie in an earlier bucket or before `from`), a drop is a counter reset whose
 * increase is the new value, and the bucket's increases, summed over the group's series, are divided by the step.
 */
class RateReducer implements BucketReducer {
  private increase = 0
  private compared = false
  private readonly stepSeconds: number

  constructor(step: number) {
    this.stepSeconds = step / 1000
  }

  reset(): void {
    this.increase = 0
    this.compared = false
  }

  add(_ts: Float64Array, values: Float64Array, start: number, end: number): void {
    // A series' first sample has nothing to be compared with: it only serves as the next one's baseline.
    const first = Math.max(start, 1)
    let increase = this.increase
    for (let i = first; i < end; i++) {
      const value = values[i]
      const previous = values[i - 1]
      increase += value >= previous ? value - previous : value
    }
    this.increase = increase
    if (end > first) this.compared = true
  }

  result(): number | undefined {
    return this.compared ? this.increase / this.stepSeconds : undefined
  }
}

/** pXX over every sample of the group in the bucket; the scratch list lives as long as the reducer. */
class PercentileReducer implements BucketReducer {
  private readonly scratch = new ScratchValues()

  constructor(private readonly quantile: number) {}

  reset(): void {
    this.scratch.clear()
  }

  add(_ts: Float64Array, values: Float64Array, start: number, end: number): void {
    this.scratch.append(values, start, end)
  }

  result(): number | undefined {
    if (this.scratch.length === 0) return undefined
    return percentileOfSorted(this.scratch.sorted(), this.quantile)
  }
}
