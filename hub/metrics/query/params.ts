// Query-string parsing for /v1/metrics/series, /query and /stats (DESIGN §7). Every error names its parameter,
// and an unknown parameter is an error, so a typo like `stpe=` never falls back to a default silently.
import { isValidDeviceId } from '../../../protocol/ids.js'
import type { Labels } from '../../../protocol/batch.js'
import type { SeriesSelector } from '../store/types.js'
import { badParameter, QueryError } from './errors.js'
import { formatDuration, parseDuration, parseTime } from './time.js'
import { AGGREGATIONS, isAggregation, type QuerySpec } from './types.js'
import { single } from '../../params.js'

export interface QueryLimits {
  /** Most buckets a query may ask for per series: (to - from) / step. */
  maxPointsPerSeries: number
  /** Most series one selector may match. */
  maxSeries: number
}

/** Prometheus caps a range query at 11,000 points per series; we do the same. */
export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = Object.freeze({ maxPointsPerSeries: 11_000, maxSeries: 10_000 })

export interface ParsedQuery {
  selector: SeriesSelector
  spec: QuerySpec
}

export interface ParsedStats {
  selector: SeriesSelector
  from: number
  to: number
}

const LABEL_PREFIX = 'label.'
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype'])
const SELECTOR_PARAMS = ['name', 'device', 'label.K']
const DEFAULT_RANGE_MS = 3_600_000
/** Auto step aims at no more than about this many points per series. */
const TARGET_POINTS = 300
const DAY_MS = 86_400_000
const STEP_LADDER_MS = [
  1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600,
].map((seconds) => seconds * 1000)

/** `name=`, `device=` and `label.K=V`; any other parameter must be listed in `allow`. */
export function parseSelectorParams(params: URLSearchParams, allow: readonly string[] = []): SeriesSelector {
  assertKnownParams(params, allow)
  return readSelector(params)
}

/** The parameters of GET /v1/metrics/query; `name` is required, the rest have defaults (docs/query.md). */
export function parseQueryParams(
  params: URLSearchParams,
  now: number,
  limits: QueryLimits = DEFAULT_QUERY_LIMITS,
): ParsedQuery {
  assertKnownParams(params, ['from', 'to', 'step', 'agg', 'groupBy'])
  const selector = readNamedSelector(params)
  const { from, to } = readRange(params, now)
  const stepInput = single(params, 'step')
  const step =
    stepInput === undefined
      ? roundUpToStepLadder((to - from) / Math.min(TARGET_POINTS, limits.maxPointsPerSeries))
      : parseDuration(stepInput, 'step')
  assertPointLimit(from, to, step, limits)
  const aggInput = single(params, 'agg') ?? 'avg'
  if (!isAggregation(aggInput)) throw badParameter('agg', aggInput, `expected one of ${AGGREGATIONS.join(' ')}`)
  const groupBy = readGroupBy(params)
  const spec: QuerySpec = { from, to, step, agg: aggInput }
  if (groupBy !== undefined) spec.groupBy = groupBy
  return { selector, spec }
}

/** The parameters of GET /v1/metrics/stats: the selector (`name` required) and the range. */
export function parseStatsParams(params: URLSearchParams, now: number): ParsedStats {
  assertKnownParams(params, ['from', 'to'])
  const selector = readNamedSelector(params)
  return { selector, ...readRange(params, now) }
}

/** Throws too_many_series when a selector matched more series than the limits allow; call before reading samples. */
export function assertSeriesLimit(count: number, limits: QueryLimits = DEFAULT_QUERY_LIMITS): void {
  if (count > limits.maxSeries) {
    throw new QueryError(
      'too_many_series',
      `the selector matches ${formatCount(count)} series, more than the limit of ${formatCount(limits.maxSeries)}: ` +
        'narrow it with device= or label.K=V',
    )
  }
}

function assertKnownParams(params: URLSearchParams, allow: readonly string[]): void {
  for (const key of new Set(params.keys())) {
    if (key === 'name' || key === 'device' || key.startsWith(LABEL_PREFIX) || allow.includes(key)) continue
    const expected = [...SELECTOR_PARAMS, ...allow].join(', ')
    throw new QueryError('unknown_parameter', `unknown query parameter ${JSON.stringify(key)}; expected ${expected}`, key)
  }
}

function readSelector(params: URLSearchParams): SeriesSelector {
  const selector: SeriesSelector = {}
  const name = single(params, 'name')
  if (name !== undefined) {
    if (!METRIC_NAME.test(name)) throw badParameter('name', name, 'must be a metric name like system_load1')
    selector.name = name
  }
  const labels: Labels = {}
  for (const key of new Set(params.keys())) {
    if (!key.startsWith(LABEL_PREFIX)) continue
    const labelName = key.slice(LABEL_PREFIX.length)
    if (!LABEL_NAME.test(labelName) || RESERVED_NAMES.has(labelName)) {
      throw new QueryError(
        'bad_parameter',
        `invalid parameter ${JSON.stringify(key)}: the label name must match [a-zA-Z_][a-zA-Z0-9_]* and not be reserved`,
        key,
      )
    }
    const value = single(params, key)
    if (!value) throw badParameter(key, '', 'the label value must not be empty')
    labels[labelName] = value
  }
  const device = single(params, 'device')
  if (device !== undefined) {
    if (!isValidDeviceId(device)) throw badParameter('device', device, 'must be a device id ([A-Za-z0-9._-]{1,64})')
    if (labels.device !== undefined) throw badParameter('device', device, 'give device= or label.device=, not both')
    labels.device = device
  }
  if (Object.keys(labels).length > 0) selector.labels = labels
  return selector
}

function readNamedSelector(params: URLSearchParams): SeriesSelector {
  const selector = readSelector(params)
  if (selector.name === undefined) {
    throw new QueryError('missing_parameter', 'missing query parameter "name": the metric to query', 'name')
  }
  return selector
}

function readRange(params: URLSearchParams, now: number): { from: number; to: number } {
  const fromInput = single(params, 'from')
  const toInput = single(params, 'to')
  const to = toInput === undefined ? now : parseTime(toInput, now, 'to')
  // The default range is the hour before `to`: with `to=-1d` alone you get the hour that ended a day ago.
  const from = fromInput === undefined ? to - DEFAULT_RANGE_MS : parseTime(fromInput, now, 'from')
  if (from > to) {
    throw badParameter('from', fromInput ?? String(from), `must not be after to (${new Date(to).toISOString()})`)
  }
  return { from, to }
}

/** `groupBy=device,mount` or repeated `groupBy=`; an empty `groupBy=` merges every series into one. */
function readGroupBy(params: URLSearchParams): string[] | undefined {
  const inputs = params.getAll('groupBy')
  if (inputs.length === 0) return undefined
  const names = inputs.flatMap((input) => input.split(',')).map((name) => name.trim()).filter((name) => name !== '')
  for (const name of names) {
    if (!LABEL_NAME.test(name) || RESERVED_NAMES.has(name)) {
      throw badParameter('groupBy', name, 'a label name must match [a-zA-Z_][a-zA-Z0-9_]* and not be reserved')
    }
  }
  return [...new Set(names)]
}

function assertPointLimit(from: number, to: number, step: number, limits: QueryLimits): void {
  const points = (to - from) / step
  if (points <= limits.maxPointsPerSeries) return
  const smallestStep = roundUpToStepLadder((to - from) / limits.maxPointsPerSeries)
  throw new QueryError(
    'too_many_points',
    `step=${formatDuration(step)} over a ${formatDuration(to - from)} range gives ${formatCount(Math.ceil(points))} ` +
      `points per series, more than the limit of ${formatCount(limits.maxPointsPerSeries)}: use step=` +
      `${formatDuration(smallestStep)} or larger, shorten the range, or leave step out to choose one automatically`,
    'step',
  )
}

/** The smallest of 1s 5s 10s 15s 30s 1m 5m 10m 15m 30m 1h 3h 6h 12h 1d not below `minimumMs`; whole days past that. */
function roundUpToStepLadder(minimumMs: number): number {
  for (const step of STEP_LADDER_MS) if (step >= minimumMs) return step
  return Math.ceil(minimumMs / DAY_MS) * DAY_MS
}


function formatCount(count: number): string {
  return count.toLocaleString('en-US')
}
