// Hand-made series for the query tests.
import type { Labels } from '../../../../protocol/batch.js'
import type { SeriesSamples } from '../../../../hub/metrics/store/types.js'

/** A minute-aligned instant (1_800_000_000_000 = 2027-01-15T08:00:00Z), so bucket starts are easy to read. */
export const T = 1_800_000_000_000
export const SECOND = 1000
export const MINUTE = 60_000

/** A series with `labels` and samples given as [ms after T, value] in ascending time. */
export function samples(
  labels: Labels,
  points: Array<[number, number]>,
  { name = 'test_metric', id = 0 }: { name?: string; id?: number } = {},
): SeriesSamples {
  return {
    series: { id, name, type: 'gauge', labels },
    ts: Float64Array.from(points, ([offset]) => T + offset),
    values: Float64Array.from(points, ([, value]) => value),
  }
}
