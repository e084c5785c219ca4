// DESIGN §4: the batch envelope. One CBOR map per batch; metrics travel column-wise.

export const PROTOCOL_VERSION = 1

export const METRIC_TYPES = ['counter', 'gauge', 'histogram', 'summary'] as const
export type MetricType = (typeof METRIC_TYPES)[number]
export const LOG_LEVELS = ['debug', 'info', 'warning', 'error', 'critical'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]
export const HEALTH_STATUSES = ['healthy', 'degraded', 'unhealthy', 'unknown'] as const
export type HealthStatus = (typeof HEALTH_STATUSES)[number]
export const SPAN_STATUSES = ['unset', 'ok', 'error'] as const
export type SpanStatus = (typeof SPAN_STATUSES)[number]

export type Labels = Record<string, string>

/** One time series as the agent describes it. Histograms and summaries travel as Prometheus does:
 *  `_bucket{le}` / quantile series plus `_sum` and `_count`, each a series of the parent's type. */
export interface SeriesDef {
  name: string
  type: MetricType
  labels: Labels
  unit?: string
}

/** A series table row on the wire: [name, type, labels] or [name, type, labels, unit]. */
export type WireSeries = [string, MetricType, Labels] | [string, MetricType, Labels, string]

/** Metrics on the wire, column-wise: sample k is series `s[i[k]]` at time `t` (delta-decoded) with value `v[k]`. */
export interface WireMetrics {
  s: WireSeries[]
  /** Series table index per sample. */
  i: number[]
  /** First sample's timestamp in ms, then each sample's delta from the previous one (may be negative). */
  t: number[]
  v: number[]
}

export interface LogRecord {
  ts: number
  level: LogLevel
  message: string
  component?: string
  attrs?: Record<string, unknown>
  traceId?: string
  spanId?: string
}

export interface SpanEvent {
  ts: number
  name: string
  attrs?: Record<string, unknown>
}

export interface SpanRecord {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  service?: string
  kind?: string
  start: number
  end: number
  status?: SpanStatus
  attrs?: Record<string, unknown>
  events?: SpanEvent[]
}

export interface HealthResult {
  check: string
  kind: string
  status: HealthStatus
  ts: number
  latencyMs?: number
  message?: string
}

export interface Batch {
  /** Protocol version; decoders refuse versions they do not know. */
  v: number
  dev: string
  /** Epoch: random id made when the agent's buffer was created. */
  ep: string
  /** Per epoch, strictly increasing from 1, never reused. */
  seq: number
  /** Agent wall clock at send, ms. */
  at: number
  /** Lowest seq of `ep` the agent still holds; every lower seq was acked or dropped (lets the hub's ack pass drops). */
  lo?: number
  /** True when the batch is replayed backlog rather than live data. */
  hist?: boolean
  m?: WireMetrics
  l?: LogRecord[]
  s?: SpanRecord[]
  h?: HealthResult[]
}

/** Hub → agent on `…/ack`: every batch of epoch `ep` up to `seq` is durably stored. */
export interface Ack {
  ep: string
  seq: number
  /** Seqs above `seq` also stored, as [start, end] pairs: the agent may delete them too (selective ack). */
  r?: Array<[number, number]>
}

/** Agent → all on `…/status`, retained. The MQTT will carries `{state: 'offline'}`. */
export interface StatusMessage {
  state: 'online' | 'offline'
  ep?: string
  at?: number
  version?: string
  host?: Record<string, unknown>
}

/** Metrics after decoding: absolute timestamps, typed columns. */
export interface DecodedMetrics {
  series: SeriesDef[]
  index: Uint32Array
  ts: Float64Array
  values: Float64Array
}

/** A batch the hub has decoded and validated. */
export interface DecodedBatch extends Omit<Batch, 'm'> {
  m?: DecodedMetrics
}

/** Canonical identity of a series: name plus sorted labels. */
export function seriesKey(name: string, labels: Labels): string {
  const keys = Object.keys(labels).sort()
  let key = name
  for (const k of keys) key += `\u0000${k}\u0001${labels[k]}`
  return key
}
