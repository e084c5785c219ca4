import {
  HEALTH_STATUSES,
  LOG_LEVELS,
  METRIC_TYPES,
  PROTOCOL_VERSION,
  SPAN_STATUSES,
  type Ack,
  type DecodedBatch,
  type DecodedMetrics,
  type HealthResult,
  type Labels,
  type LogRecord,
  type SeriesDef,
  type SpanEvent,
  type SpanRecord,
  type StatusMessage,
} from './batch.js'
import { DecodeError } from './errors.js'
import {
  FORBIDDEN_KEYS,
  arrayOf,
  attributes,
  boolean,
  describe,
  finite,
  invalid,
  oneOf,
  optional,
  plainObject,
  positiveSafeInt,
  nonNegativeSafeInt,
  readRecord,
  record,
  required,
  string,
  type Check,
  type Shape,
} from './field-checks.js'
import { isValidDeviceId } from './ids.js'
import type { RawColumns } from './columns.js'

// DESIGN §4: decoding never trusts a field. Every check names the field path, e.g. `m.i[3]` or `l[0].level`.

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const EPOCH = /^[A-Za-z0-9_-]{1,64}$/
/** Label names are looked up as object keys downstream, so no Object.prototype member may be one. */
const RESERVED_LABEL_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  ...FORBIDDEN_KEYS,
])

export function isValidMetricName(name: unknown): name is string {
  return typeof name === 'string' && METRIC_NAME.test(name)
}

/** Prometheus label name rules; names starting with `__` are reserved by Prometheus (and cover `__proto__`). */
export function isValidLabelName(name: unknown): name is string {
  return typeof name === 'string' && LABEL_NAME.test(name) && !name.startsWith('__') && !RESERVED_LABEL_NAMES.has(name)
}

export function isValidEpoch(ep: unknown): ep is string {
  return typeof ep === 'string' && EPOCH.test(ep) && !FORBIDDEN_KEYS.has(ep)
}

const deviceId: Check<string> = (v, p) =>
  isValidDeviceId(v) ? v : invalid(p, 'must be a device id matching [A-Za-z0-9._-]{1,64}, not a reserved name', v)
const epoch: Check<string> = (v, p) =>
  isValidEpoch(v) ? v : invalid(p, 'must be an epoch id matching [A-Za-z0-9_-]{1,64}, not a reserved name', v)

// ---- metrics (the hub's hot path) -------------------------------------------------------------------------

const METRIC_TYPE = oneOf(METRIC_TYPES)
const METRICS_KEYS: ReadonlySet<string> = new Set(['s', 'i', 't', 'v'])

function labels(value: unknown, path: string): Labels {
  const obj = plainObject(value, path)
  for (const key of Object.keys(obj)) {
    if (!isValidLabelName(key)) invalid(path, 'label names must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __', key)
    if (typeof obj[key] !== 'string') invalid(`${path}.${key}`, 'label values must be strings', obj[key])
  }
  return obj as Labels
}

function seriesDef(value: unknown, path: string): SeriesDef {
  if (!Array.isArray(value) || value.length < 3 || value.length > 4) {
    invalid(path, 'a series must be [name, type, labels] or [name, type, labels, unit]', value)
  }
  const name = value[0]
  if (!isValidMetricName(name)) invalid(`${path}[0]`, 'metric names must match [a-zA-Z_:][a-zA-Z0-9_:]*', name)
  const def: SeriesDef = { name, type: METRIC_TYPE(value[1], `${path}[1]`), labels: labels(value[2], `${path}[2]`) }
  if (value[3] !== undefined) def.unit = string(value[3], `${path}[3]`)
  return def
}

function column(m: Record<string, unknown>, key: keyof RawColumns, path: string, columns?: RawColumns): ArrayLike<unknown> {
  const value = m[key]
  if (!Array.isArray(value)) return invalid(`${path}.${key}`, 'must be an array', value)
  return columns ? columns[key] : value
}

function badIndex(path: string, k: number, value: unknown, count: number): never {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) {
    throw new DecodeError('invalid_field', `${path}.i[${k}]: series index ${value} out of range (table has ${count} series)`)
  }
  return invalid(`${path}.i[${k}]`, 'must be a series index (a non-negative integer)', value)
}

function badTime(path: string, k: number, value: unknown): never {
  if (Number.isSafeInteger(value)) {
    throw new DecodeError('invalid_field', `${path}.t[${k}]: timestamp leaves the safe integer range`)
  }
  return invalid(`${path}.t[${k}]`, k === 0 ? 'must be a timestamp in ms (a safe integer)' : 'must be a delta in ms (a safe integer)', value)
}

/** `columns`: the sample columns read apart from the rest of the payload (protocol/columns.ts); `m` then holds empty arrays. */
function metrics(value: unknown, path: string, columns?: RawColumns): DecodedMetrics {
  const m = plainObject(value, path)
  for (const key of Object.keys(m)) {
    if (!METRICS_KEYS.has(key)) throw new DecodeError('unknown_field', `${path}: unknown field ${JSON.stringify(key)}`)
  }
  const series = arrayOf(seriesDef)(m.s, `${path}.s`)
  const i = column(m, 'i', path, columns)
  const t = column(m, 't', path, columns)
  const v = column(m, 'v', path, columns)
  const n = i.length
  if (t.length !== n || v.length !== n) {
    throw new DecodeError('invalid_field', `${path}: columns i, t, v differ in length (${n}, ${t.length}, ${v.length})`)
  }

  // Plain loops over the columns: this runs for every sample the hub ingests.
  const count = series.length
  // Read-apart indexes are unsigned integers already, in an array of their own: only the range is left to check.
  const index = columns ? columns.i : new Uint32Array(n)
  for (let k = 0; k < n; k++) {
    const x = i[k] as number
    if (x >>> 0 !== x || x >= count) badIndex(path, k, x, count)
    index[k] = x
  }
  // Read-apart deltas are summed in place: the array is this batch's own.
  const ts = columns ? columns.t : new Float64Array(n)
  let time = 0
  for (let k = 0; k < n; k++) {
    const delta = t[k]
    if (!Number.isSafeInteger(delta)) badTime(path, k, delta)
    time += delta as number
    if (time > Number.MAX_SAFE_INTEGER || time < Number.MIN_SAFE_INTEGER) badTime(path, k, delta)
    ts[k] = time
  }
  // Columns read apart are numbers already, in an array of their own.
  if (columns) return { series, index, ts, values: columns.v }
  const values = new Float64Array(n)
  for (let k = 0; k < n; k++) {
    const x = v[k]
    // NaN and ±Infinity are legal sample values in Prometheus (NaN marks staleness).
    if (typeof x !== 'number') invalid(`${path}.v[${k}]`, 'must be a number', x)
    values[k] = x
  }
  return { series, index, ts, values }
}

// ---- logs, spans, health ------------------------------------------------------------------------------------

const LOG_SHAPE: Shape<LogRecord> = {
  ts: required(finite),
  level: required(oneOf(LOG_LEVELS)),
  message: required(string),
  component: optional(string),
  attrs: optional(attributes),
  traceId: optional(string),
  spanId: optional(string),
}

const SPAN_EVENT_SHAPE: Shape<SpanEvent> = {
  ts: required(finite),
  name: required(string),
  attrs: optional(attributes),
}

const SPAN_SHAPE: Shape<SpanRecord> = {
  traceId: required(string),
  spanId: required(string),
  parentSpanId: optional(string),
  name: required(string),
  service: optional(string),
  kind: optional(string),
  start: required(finite),
  end: required(finite),
  status: optional(oneOf(SPAN_STATUSES)),
  attrs: optional(attributes),
  events: optional(arrayOf(record(SPAN_EVENT_SHAPE))),
}

const HEALTH_SHAPE: Shape<HealthResult> = {
  check: required(string),
  kind: required(string),
  status: required(oneOf(HEALTH_STATUSES)),
  ts: required(finite),
  latencyMs: optional(finite),
  message: optional(string),
}

// ---- envelopes ----------------------------------------------------------------------------------------------------

const version: Check<number> = (v) => v as number // checked first, in validateBatch, for its own error code

const batchShape = (columns?: RawColumns): Shape<DecodedBatch> => ({
  v: required(version),
  dev: required(deviceId),
  ep: required(epoch),
  seq: required(positiveSafeInt),
  at: required(finite),
  lo: optional(positiveSafeInt),
  hist: optional(boolean),
  m: optional((value, path) => metrics(value, path, columns)),
  l: optional(arrayOf(record(LOG_SHAPE))),
  s: optional(arrayOf(record(SPAN_SHAPE))),
  h: optional(arrayOf(record(HEALTH_SHAPE))),
})
const BATCH_SHAPE = batchShape()

/**
 * Checks a decoded batch field by field (DESIGN §4) and returns it with metrics as typed, absolute columns.
 * `columns`: `m.i`, `m.t`, `m.v` as read apart by splitColumns (raw `m` then holds empty arrays in their place).
 */
export function validateBatch(raw: unknown, columns?: RawColumns): DecodedBatch {
  const obj = plainObject(raw, 'batch')
  if (obj.v !== PROTOCOL_VERSION) {
    throw new DecodeError(
      'unsupported_version',
      `v: protocol version ${describe(obj.v)} is not supported (this decoder speaks version ${PROTOCOL_VERSION})`,
    )
  }
  const batch = readRecord(obj, '', columns ? batchShape(columns) : BATCH_SHAPE)
  if (batch.lo !== undefined && batch.lo > batch.seq) {
    throw new DecodeError('invalid_field', `lo: lowest held seq ${batch.lo} is above seq ${batch.seq}`)
  }
  return batch
}

/** Stored seqs above the watermark, as [start, end] pairs (at most 64), so live data sent ahead of a backlog is released. */
const seqRange: Check<[number, number]> = (v, p) => {
  if (!Array.isArray(v) || v.length !== 2) invalid(p, 'must be a [start, end] pair', v)
  const start = positiveSafeInt(v[0], `${p}[0]`)
  const end = positiveSafeInt(v[1], `${p}[1]`)
  return end >= start ? [start, end] : invalid(p, 'end must be >= start', v)
}
const ackRanges: Check<Array<[number, number]>> = (v, p) => {
  const ranges = arrayOf(seqRange)(v, p)
  return ranges.length <= 64 ? ranges : invalid(p, 'at most 64 ranges', ranges.length)
}

// seq 0: nothing of the epoch is stored contiguously yet (the first batch to arrive may not be seq 1).
const ACK_SHAPE: Shape<Ack> = { ep: required(epoch), seq: required(nonNegativeSafeInt), r: optional(ackRanges) }

const STATUS_SHAPE: Shape<StatusMessage> = {
  state: required(oneOf(['online', 'offline'] as const)),
  ep: optional(epoch),
  at: optional(finite),
  version: optional(string),
  host: optional(attributes),
}

export function validateAck(raw: unknown): Ack {
  return readRecord(raw, '', ACK_SHAPE)
}

export function validateStatus(raw: unknown): StatusMessage {
  return readRecord(raw, '', STATUS_SHAPE)
}
