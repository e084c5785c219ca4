import type { Labels, MetricType } from '../../../protocol/batch.js'
import { seriesKey } from '../../../protocol/batch.js'
import type { MetricsBuilder } from '../../../protocol/metrics-builder.js'
import { isValidLabelName, isValidMetricName } from '../../../protocol/validate.js'
import type { ParsedExposition, TextSample } from './parse.js'

/** A family left out of the batch, and why. */
export interface RefusedFamily {
  family: string
  reason: 'bad_histogram' | 'invalid_sample'
  message: string
}

interface Group {
  labels: Labels
  buckets: Array<{ le: string; bound: number; value: number; ts?: number }>
  sum?: TextSample
  count?: TextSample
}

/**
 * Adds a scrape's samples to `builder` (DESIGN §4): counters and gauges as they are, untyped as gauges, histograms as
 * `_bucket{le}` / `_sum` / `_count` series of type histogram, summaries as `{quantile}` / `_sum` / `_count` of type
 * summary. A histogram whose buckets are not cumulative, or whose `+Inf` bucket differs from its count, is refused
 * whole; so is a family with a name or label the protocol does not allow. The other families are kept.
 * `extra` labels are added to every sample; a target's own `device` label becomes `exported_device`, as the hub sets
 * `device` itself.
 */
export function addExposition(builder: MetricsBuilder, parsed: ParsedExposition, now: number, extra: Labels): RefusedFamily[] {
  const families = new Map<string, { type: MetricType; samples: TextSample[] }>()
  for (const sample of parsed.samples) {
    const { family, type } = familyOf(sample.name, parsed.types)
    let entry = families.get(family)
    if (!entry) families.set(family, (entry = { type, samples: [] }))
    entry.samples.push(sample)
  }
  const refused: RefusedFamily[] = []
  for (const [family, { type, samples }] of families) {
    const bad = samples.find((s) => !isValidMetricName(s.name) || !Object.keys(s.labels).every(isValidLabelName))
    if (bad) {
      refused.push({ family, reason: 'invalid_sample', message: `${bad.name}: name or label names not allowed` })
      continue
    }
    if (type === 'histogram') {
      const problem = checkHistogram(family, samples)
      if (problem) {
        refused.push({ family, reason: 'bad_histogram', message: problem })
        continue
      }
    }
    for (const s of samples) builder.addRaw(s.name, type, withExtra(s.labels, extra), s.ts ?? now, s.value)
  }
  return refused
}

/** The family a sample name belongs to, by the declared types: `x_bucket` of histogram `x`, and so on. */
function familyOf(name: string, types: Map<string, string>): { family: string; type: MetricType } {
  const declared = types.get(name)
  if (declared === 'counter' || declared === 'gauge' || declared === 'summary' || declared === 'histogram') {
    return { family: name, type: declared }
  }
  for (const suffix of ['_bucket', '_sum', '_count', '_total']) {
    if (!name.endsWith(suffix)) continue
    const parent = name.slice(0, -suffix.length)
    const type = types.get(parent)
    if (suffix === '_total') {
      // OpenMetrics style: `# TYPE x counter` with samples named x_total.
      if (type === 'counter') return { family: name, type }
    } else if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return { family: parent, type }
  }
  return { family: name, type: 'gauge' }
}

/** Why a histogram family is not one, or undefined when every label set's buckets add up. */
function checkHistogram(family: string, samples: TextSample[]): string | undefined {
  const groups = new Map<string, Group>()
  for (const s of samples) {
    const { le, ...labels } = s.labels
    const key = seriesKey('', labels)
    let group = groups.get(key)
    if (!group) groups.set(key, (group = { labels, buckets: [] }))
    if (s.name === `${family}_bucket`) {
      const bound = le === '+Inf' ? Infinity : Number(le)
      if (le === undefined || Number.isNaN(bound)) return `${s.name}: bucket without a numeric le label`
      group.buckets.push({ le, bound, value: s.value })
    } else if (s.name === `${family}_sum`) group.sum = s
    else if (s.name === `${family}_count`) group.count = s
    else return `${s.name}: a histogram has only _bucket, _sum and _count samples`
  }
  for (const group of groups.values()) {
    const where = `${family}${JSON.stringify(group.labels)}`
    const buckets = group.buckets.sort((a, b) => a.bound - b.bound)
    for (let k = 1; k < buckets.length; k++) {
      if (buckets[k].bound === buckets[k - 1].bound) return `${where}: le="${buckets[k].le}" appears twice`
      if (!(buckets[k].value >= buckets[k - 1].value)) {
        return `${where}: buckets are not cumulative (le="${buckets[k].le}" holds ${buckets[k].value} < ${buckets[k - 1].value} at le="${buckets[k - 1].le}")`
      }
    }
    const inf = buckets[buckets.length - 1]
    if (!inf || inf.bound !== Infinity) return `${where}: no le="+Inf" bucket`
    if (group.count && group.count.value !== inf.value) return `${where}: +Inf bucket ${inf.value} differs from _count ${group.count.value}`
  }
  return undefined
}

function withExtra(labels: Labels, extra: Labels): Labels {
  const out: Labels = {}
  for (const [k, v] of Object.entries(labels)) out[k === 'device' ? 'exported_device' : k] = v
  return { ...out, ...extra }
}
