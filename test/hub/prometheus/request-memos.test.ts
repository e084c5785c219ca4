import { describe, expect, it } from 'vitest'
import { quantileOf } from '../../../hub/prometheus/range-functions.js'
import { SeriesLabelCache } from '../../../hub/prometheus/series-labels.js'
import { labelsKey } from '../../../hub/prometheus/values.js'

// The per-request shortcuts of the PromQL engine answer as the plain computations do: quantiles by selection as by
// a full sort (Prometheus's order: NaN first, −0 before +0), and label sets kept between requests only while the
// store still gives a series the same name and labels.

/** Prometheus's quantile over a sorted copy, the definition quantileOf must match. */
function sortedQuantile(q: number, values: number[]): number {
  const n = values.length
  if (n === 0 || Number.isNaN(q)) return NaN
  if (q < 0) return -Infinity
  if (q > 1) return Infinity
  const sorted = Float64Array.from(values).sort()
  let nans = 0
  while (nans < n && Number.isNaN(sorted[n - 1 - nans])) nans++
  const at = (k: number) => (k < nans ? NaN : sorted[k - nans])
  const rank = q * (n - 1)
  const lower = Math.max(0, Math.floor(rank))
  const upper = Math.min(n - 1, lower + 1)
  const weight = rank - Math.floor(rank)
  return at(lower) * (1 - weight) + at(upper) * weight
}

describe('PromQL per-request shortcuts', () => {
  it('quantiles by selection equal those of a sorted copy, NaN, ±0 and ±Inf included', () => {
    // A fixed pseudo-random stream, so a failure repeats.
    let seed = 42
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
    const pool = [0, -0, 1, -1, 2, 2, NaN, Infinity, -Infinity, 0.5]
    const qs = [0, 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 1, -0.5, 1.5, NaN]
    for (let t = 0; t < 3_000; t++) {
      const n = 1 + Math.floor(random() * (t % 10 === 0 ? 400 : 12))
      const values = Array.from({ length: n }, () => (random() < 0.5 ? pool[Math.floor(random() * pool.length)] : Math.round(random() * 1000) / 10))
      for (const q of [...qs, random()]) expect(Object.is(quantileOf(q, values), sortedQuantile(q, values)), `q ${q} of ${values}`).toBe(true)
    }
    // A window inside a larger array.
    expect(quantileOf(0.5, [100, 3, 1, 2, -100], 1, 4)).toBe(2)
    expect(quantileOf(0.5, [])).toBeNaN()
  })

  it('keeps a series label set while its name and labels are unchanged, and makes a new one when they change', () => {
    const cache = new SeriesLabelCache(2)
    const info = { id: 7, name: 'up', type: 'gauge' as const, labels: { device: 'a', job: 'x' } }
    const first = cache.of(info)
    expect(first.labels).toEqual({ __name__: 'up', device: 'a', job: 'x' })
    expect(first.key).toBe(labelsKey(first.labels))
    expect(cache.of({ ...info, labels: { job: 'x', device: 'a' } })).toBe(first)
    const relabelled = cache.of({ ...info, labels: { device: 'b', job: 'x' } })
    expect(relabelled.labels).toEqual({ __name__: 'up', device: 'b', job: 'x' })
    expect(cache.of({ ...info, labels: { device: 'b' } }).labels).toEqual({ __name__: 'up', device: 'b' })
    expect(cache.of({ ...info, labels: { device: 'b', job: 'x', zone: '1' } }).labels).toEqual({ __name__: 'up', device: 'b', job: 'x', zone: '1' })
    expect(cache.of({ ...info, name: 'down', labels: { device: 'b', job: 'x', zone: '1' } }).labels.__name__).toBe('down')
    // Past its bound the memo starts over and still answers.
    for (let id = 100; id < 105; id++) expect(cache.of({ ...info, id }).labels.device).toBe('a')
  })
})
