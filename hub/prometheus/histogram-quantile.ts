import { bucketQuantile, parseLe, type CumulativeBucket } from '../metrics/query/bucket-quantile.js'
import { labelsKey, SeriesCollector, type Labels, type StepSeries, type Value } from './values.js'

// histogram_quantile(φ, buckets): per step, the series grouped by their labels without `le` and the metric name,
// each group's buckets interpolated as Prometheus does (the hub's bucketQuantile, promql/quantile.go).

export function histogramQuantile(q: Float64Array, series: StepSeries[], n: number): Value {
  const groups = new Map<string, { labels: Labels; members: Array<{ s: StepSeries; le: number }> }>()
  for (const s of series) {
    const le = parseLe(s.labels.le)
    if (le === undefined) continue
    const { __name__: _n, le: _le, ...labels } = s.labels
    const key = labelsKey(labels)
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { labels, members: [] }))
    g.members.push({ s, le })
  }
  const out = new SeriesCollector(n)
  for (const [key, g] of groups) {
    for (let i = 0; i < n; i++) {
      const buckets: CumulativeBucket[] = []
      for (const { s, le } of g.members) if (s.has[i]) buckets.push({ upperBound: le, count: s.vals[i] })
      if (buckets.length === 0) continue
      out.add(g.labels, key, i, bucketQuantile(q[i], buckets))
    }
  }
  return { type: 'vector', series: out.series() }
}
