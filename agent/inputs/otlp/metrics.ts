import { seriesKey, type Labels, type MetricType, type WireMetrics } from '../../../protocol/batch.js'
import { MetricsBuilder } from '../../../protocol/metrics-builder.js'
import { Collector, eachItem } from './convert-common.js'
import type { DeltaStage, DeltaTotals } from './delta-totals.js'
import { boundLabel, counterName, metricName, pointLabels } from './names.js'
import { asArray, asDouble, asEnum, asInteger, asObject, asString, attributes, fail, nanosToMs, type Origin } from './values.js'

// OTLP metrics.proto to Outpost series (DESIGN §4, docs/otlp.md). Histograms and summaries become Prometheus-style
// `_bucket{le}` / `{quantile}` series plus `_sum` and `_count`. A data point converts whole or not at all.

const TEMPORALITIES = ['AGGREGATION_TEMPORALITY_UNSPECIFIED', 'AGGREGATION_TEMPORALITY_DELTA', 'AGGREGATION_TEMPORALITY_CUMULATIVE']
const DELTA = 1
const CUMULATIVE = 2
/** DataPointFlags.FLAG_NO_RECORDED_VALUE: the point marks a gap, it has no value to keep. */
const NO_RECORDED_VALUE = 1
const DATA_KINDS = ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary'] as const

interface Sample {
  name: string
  type: MetricType
  labels: Labels
  ts: number
  value: number
  unit?: string
}

/** One metric's facts every data point shares. */
interface MetricContext {
  name: string
  unit?: string
  service?: string
  now: number
  deltas: DeltaStage
}

export interface MetricsConversion {
  metrics?: WireMetrics
  /** Data points kept. */
  points: number
  /** Data points refused, and the first reasons. */
  rejected: number
  problems: string[]
  /** Makes the delta totals of this request current; call once its data is durably buffered. */
  commit(): void
}

/** An ExportMetricsServiceRequest (JSON mapping or decoded protobuf) as column-wise metrics. */
export function convertMetrics(request: Record<string, unknown>, now: number, deltas: DeltaTotals): MetricsConversion {
  const out = new Collector<Sample[]>()
  const stage = deltas.stage()
  const seriesTypes = new Map<string, MetricType>()
  eachItem(request, 'Metrics', 'metrics', (item, path, origin) => convertMetric(item, path, origin))

  function convertMetric(item: unknown, path: string, origin: Origin): void {
    let metric: Record<string, unknown> = {}
    let ctx: MetricContext | undefined
    out.take(() => {
      metric = asObject(item, path)
      const name = asString(metric.name, `${path}.name`)
      if (name === '') fail(`${path}.name`, 'is required')
      const unit = asString(metric.unit, `${path}.unit`)
      ctx = { name, unit: unit || undefined, service: origin.service, now, deltas: stage }
      return undefined
    })
    if (!ctx) return
    const where = `${path} ${JSON.stringify(ctx.name)}`
    const kind = DATA_KINDS.find((k) => metric[k] !== undefined && metric[k] !== null)
    if (!kind) return out.reject(`${where}: has no data (expected one of ${DATA_KINDS.join(', ')})`)
    let data: Record<string, unknown> = {}
    let points: unknown[] = []
    out.take(() => {
      data = asObject(metric[kind], `${where}.${kind}`)
      points = asArray(data.dataPoints, `${where}.${kind}.dataPoints`)
      return undefined
    })
    if (kind === 'exponentialHistogram') {
      return out.reject(`${where}: exponential histograms are not supported; configure the SDK's explicit bucket histogram aggregation`, points.length || 1)
    }
    const temporality = kind === 'sum' || kind === 'histogram' ? asTemporality(data, `${where}.${kind}`) : CUMULATIVE
    points.forEach((p, k) => {
      const pointPath = `${where}.${kind}.dataPoints[${k}]`
      out.take(() => {
        if (temporality === undefined) fail(`${where}.${kind}.aggregationTemporality`, 'must be DELTA (1) or CUMULATIVE (2)')
        const point = asObject(p, pointPath)
        const samples =
          kind === 'gauge' ? numberPoint(point, pointPath, ctx!, 'gauge', false)
          : kind === 'sum' ? numberPoint(point, pointPath, ctx!, data.isMonotonic === true ? 'counter' : 'gauge', temporality === DELTA)
          : kind === 'histogram' ? histogramPoint(point, pointPath, ctx!, temporality === DELTA)
          : summaryPoint(point, pointPath, ctx!)
        admit(samples, pointPath)
        return samples.length > 0 ? samples : undefined
      })
    })
  }

  /** A series keeps one type within a request (MetricsBuilder would keep the first silently). */
  function admit(samples: Sample[], path: string): void {
    for (const s of samples) {
      const type = seriesTypes.get(seriesKey(s.name, s.labels))
      if (type !== undefined && type !== s.type) fail(path, `series ${s.name} is a ${type} elsewhere in this request, not a ${s.type}`)
    }
    for (const s of samples) seriesTypes.set(seriesKey(s.name, s.labels), s.type)
  }

  const builder = new MetricsBuilder()
  for (const samples of out.records) for (const s of samples) builder.addRaw(s.name, s.type, s.labels, s.ts, s.value, s.unit)
  return { metrics: builder.build(), points: out.records.length, rejected: out.rejected, problems: out.problems, commit: () => stage.commit() }
}

function asTemporality(data: Record<string, unknown>, path: string): number | undefined {
  const t = asEnum(data.aggregationTemporality, TEMPORALITIES, `${path}.aggregationTemporality`)
  return t === DELTA || t === CUMULATIVE ? t : undefined
}

/** Points flagged as having no recorded value are skipped, not refused. */
const noValue = (point: Record<string, unknown>, path: string) => (asInteger(point.flags, `${path}.flags`) & NO_RECORDED_VALUE) !== 0

function pointTime(point: Record<string, unknown>, path: string, ctx: MetricContext): number {
  return nanosToMs(point.timeUnixNano, `${path}.timeUnixNano`) ?? ctx.now
}

function numberPoint(point: Record<string, unknown>, path: string, ctx: MetricContext, type: 'gauge' | 'counter', delta: boolean): Sample[] {
  if (noValue(point, path)) return []
  let value: number
  if ('asDouble' in point) value = asDouble(point.asDouble, `${path}.asDouble`)
  else if ('asInt' in point) value = asInteger(point.asInt, `${path}.asInt`)
  else return fail(path, 'has no value (asDouble or asInt)')
  const name = type === 'counter' ? counterName(ctx.name) : metricName(ctx.name)
  const labels = pointLabels(attributes(point.attributes, `${path}.attributes`), ctx.service)
  if (delta) value = addDelta(ctx, path, `${name}\u0002${seriesKey(name, labels)}`, { counts: [], sum: value, count: 0 }).sum
  return [{ name, type, labels, ts: pointTime(point, path, ctx), value, unit: ctx.unit }]
}

function histogramPoint(point: Record<string, unknown>, path: string, ctx: MetricContext, delta: boolean): Sample[] {
  if (noValue(point, path)) return []
  const bounds = asArray(point.explicitBounds, `${path}.explicitBounds`).map((b, k) => asDouble(b, `${path}.explicitBounds[${k}]`))
  let counts = asArray(point.bucketCounts, `${path}.bucketCounts`).map((c, k) => asInteger(c, `${path}.bucketCounts[${k}]`))
  let count = asInteger(point.count, `${path}.count`)
  let sum = 'sum' in point ? asDouble(point.sum, `${path}.sum`) : undefined
  checkBuckets(bounds, counts, count, path)
  const name = metricName(ctx.name)
  const labels = pointLabels(attributes(point.attributes, `${path}.attributes`), ctx.service, ['le'])
  if (delta) {
    const total = addDelta(ctx, path, `${name}\u0002${seriesKey(name, labels)}`, { bounds, counts, sum: sum ?? 0, count })
    ;({ counts, count } = total)
    if (sum !== undefined) sum = total.sum
  }
  const ts = pointTime(point, path, ctx)
  const sample = (suffix: string, value: number, extra?: Labels): Sample =>
    ({ name: `${name}${suffix}`, type: 'histogram', labels: extra ? { ...labels, ...extra } : labels, ts, value, unit: ctx.unit })
  const samples: Sample[] = []
  let cumulative = 0
  bounds.forEach((bound, k) => {
    cumulative += counts[k]
    samples.push(sample('_bucket', cumulative, { le: boundLabel(bound) }))
  })
  samples.push(sample('_bucket', count, { le: '+Inf' }))
  if (sum !== undefined) samples.push(sample('_sum', sum))
  samples.push(sample('_count', count))
  return samples
}

/** A histogram whose buckets do not add up is refused, naming what is wrong. */
function checkBuckets(bounds: number[], counts: number[], count: number, path: string): void {
  if (counts.length === 0 && bounds.length === 0) return // only count and sum: the +Inf bucket holds them all
  if (counts.length !== bounds.length + 1) {
    fail(`${path}.bucketCounts`, `has ${counts.length} buckets for ${bounds.length} explicitBounds; a histogram needs explicitBounds + 1`)
  }
  bounds.forEach((b, k) => {
    if (Number.isNaN(b) || (k > 0 && b <= bounds[k - 1])) fail(`${path}.explicitBounds[${k}]`, 'bounds must increase strictly', b)
  })
  counts.forEach((c, k) => {
    if (c < 0) fail(`${path}.bucketCounts[${k}]`, 'must not be negative', c)
  })
  if (count < 0) fail(`${path}.count`, 'must not be negative', count)
  const total = counts.reduce((a, b) => a + b, 0)
  if (total !== count) fail(`${path}.bucketCounts`, `add up to ${total} but count is ${count}`)
}

function summaryPoint(point: Record<string, unknown>, path: string, ctx: MetricContext): Sample[] {
  if (noValue(point, path)) return []
  const name = metricName(ctx.name)
  const labels = pointLabels(attributes(point.attributes, `${path}.attributes`), ctx.service, ['quantile'])
  const ts = pointTime(point, path, ctx)
  const sample = (suffix: string, value: number, extra?: Labels): Sample =>
    ({ name: `${name}${suffix}`, type: 'summary', labels: extra ? { ...labels, ...extra } : labels, ts, value, unit: ctx.unit })
  const samples = asArray(point.quantileValues, `${path}.quantileValues`).map((q, k) => {
    const qPath = `${path}.quantileValues[${k}]`
    const entry = asObject(q, qPath)
    const quantile = asDouble(entry.quantile, `${qPath}.quantile`)
    if (!(quantile >= 0 && quantile <= 1)) fail(`${qPath}.quantile`, 'must be between 0 and 1', quantile)
    return sample('', asDouble(entry.value, `${qPath}.value`), { quantile: boundLabel(quantile) })
  })
  samples.push(sample('_sum', asDouble(point.sum, `${path}.sum`)))
  samples.push(sample('_count', asInteger(point.count, `${path}.count`)))
  return samples
}

function addDelta(ctx: MetricContext, path: string, key: string, delta: Parameters<DeltaStage['add']>[1]) {
  return ctx.deltas.add(key, delta) ?? fail(path, 'too many delta-temporality series on this agent; export cumulative temporality instead')
}
