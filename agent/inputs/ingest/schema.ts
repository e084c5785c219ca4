import * as z from 'zod'
import { HEALTH_STATUSES, LOG_LEVELS, METRIC_TYPES, SPAN_STATUSES } from '../../../protocol/batch.js'
import { isValidLabelName, isValidMetricName } from '../../../protocol/validate.js'
import { IngestError, describeValue, formatPath } from './errors.js'

// DESIGN §9: the Outpost JSON that `POST /v1/ingest` takes. Every object is strict (unknown keys are refused) so a
// typo is an error rather than silently lost data. docs/ingest.md documents each field.

/** Most records (metrics + logs + spans + health) in one request. */
export const MAX_RECORDS = 100_000
/** Most events in one span. */
export const MAX_SPAN_EVENTS = 1_000
/** Attribute values may nest this deep; the wire validator (protocol/field-checks.ts) refuses deeper. */
const MAX_ATTR_DEPTH = 12
/** Keys a free-form map may not have: they name prototype members, and the wire validator refuses them. */
const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', '__proto_', 'constructor', 'prototype'])
/** The largest time a JS Date can hold, in ms. */
const MAX_TIME_MS = 8.64e15

const TIME_RULE = 'must be ms since the epoch (a number) or an RFC 3339 time such as "2024-05-01T12:00:00Z"'

/** ms since the epoch, or an RFC 3339 string converted to ms. */
const timestamp = z.union(
  [
    z.number({ error: TIME_RULE }).min(0, { error: TIME_RULE }).max(MAX_TIME_MS, { error: TIME_RULE }),
    z.iso.datetime({ offset: true, error: TIME_RULE }).transform((s) => Date.parse(s)),
  ],
  { error: TIME_RULE },
)

type Problem = { path: PropertyKey[]; message: string }

function labelsProblem(value: unknown): Problem | undefined {
  if (!isPlainObject(value)) return { path: [], message: `expected an object of string labels, got ${describeValue(value)}` }
  for (const [key, v] of Object.entries(value)) {
    if (!isValidLabelName(key)) {
      return { path: [key], message: 'label names must match [a-zA-Z_][a-zA-Z0-9_]*, not start with __ nor be a reserved name' }
    }
    if (typeof v !== 'string') return { path: [key], message: `label values must be strings, got ${describeValue(v)}` }
  }
  return undefined
}

function attrsProblem(value: unknown, path: PropertyKey[] = [], depth = 0): Problem | undefined {
  if (depth === 0 && !isPlainObject(value)) return { path, message: `expected an object, got ${describeValue(value)}` }
  if (typeof value !== 'object' || value === null) return undefined // JSON.parse made it, so it is a JSON scalar
  if (depth > MAX_ATTR_DEPTH) return { path, message: `attributes may nest at most ${MAX_ATTR_DEPTH} levels` }
  const entries: [PropertyKey, unknown][] = Array.isArray(value) ? value.map((v, k) => [k, v]) : Object.entries(value)
  for (const [key, v] of entries) {
    if (typeof key === 'string' && RESERVED_KEYS.has(key)) return { path: [...path, key], message: 'this key is reserved' }
    const problem = attrsProblem(v, [...path, key], depth + 1)
    if (problem) return problem
  }
  return undefined
}

/** A schema from a check that reports the first problem at its path (zod's record drops `__proto__` keys silently). */
function checked<T>(problemOf: (value: unknown) => Problem | undefined) {
  return z.unknown().transform((value, ctx): T => {
    const problem = problemOf(value)
    if (!problem) return value as T
    ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message, input: value })
    return z.NEVER
  })
}

const labels = checked<Record<string, string>>(labelsProblem)
const attrs = checked<Record<string, unknown>>((v) => attrsProblem(v))
const nonEmpty = z.string().min(1, { error: 'must not be empty' })

const metric = z.strictObject({
  name: z.string().refine(isValidMetricName, { error: 'metric names must match [a-zA-Z_:][a-zA-Z0-9_:]*' }),
  type: z.enum(METRIC_TYPES),
  labels: labels.optional(),
  ts: timestamp.optional(),
  value: z.number(),
  unit: nonEmpty.optional(),
})

const log = z.strictObject({
  ts: timestamp.optional(),
  level: z.enum(LOG_LEVELS),
  component: z.string().optional(),
  message: z.string(),
  attrs: attrs.optional(),
  traceId: nonEmpty.optional(),
  spanId: nonEmpty.optional(),
})

const spanEvent = z.strictObject({ ts: timestamp, name: nonEmpty, attrs: attrs.optional() })

const span = z
  .strictObject({
    traceId: nonEmpty,
    spanId: nonEmpty,
    parentSpanId: nonEmpty.optional(),
    name: nonEmpty,
    service: z.string().optional(),
    kind: z.string().optional(),
    start: timestamp,
    end: timestamp,
    status: z.enum(SPAN_STATUSES).optional(),
    attrs: attrs.optional(),
    events: z.array(spanEvent).max(MAX_SPAN_EVENTS, { error: `at most ${MAX_SPAN_EVENTS} events per span` }).optional(),
  })
  .superRefine((s, ctx) => {
    if (typeof s.start === 'number' && typeof s.end === 'number' && s.end < s.start) {
      ctx.addIssue({ code: 'custom', path: ['end'], message: 'must not be before start', input: s.end })
    }
  })

const health = z.strictObject({
  check: nonEmpty,
  kind: nonEmpty,
  status: z.enum(HEALTH_STATUSES),
  ts: timestamp.optional(),
  latencyMs: z.number().min(0, { error: 'must be a non-negative number' }).optional(),
  message: z.string().optional(),
})

export const ingestSchema = z.strictObject({
  metrics: z.array(metric).optional(),
  logs: z.array(log).optional(),
  spans: z.array(span).optional(),
  health: z.array(health).optional(),
})

export type IngestRequest = z.output<typeof ingestSchema>
export type IngestMetric = z.output<typeof metric>
export const RECORD_KINDS = ['metrics', 'logs', 'spans', 'health'] as const
export type RecordKind = (typeof RECORD_KINDS)[number]

/** Checks a parsed JSON body; throws IngestError (413 for too many records, 400 naming the field otherwise). */
export function parseIngestRequest(raw: unknown): IngestRequest {
  // Count before validating so an oversized request costs no per-record work.
  if (isPlainObject(raw)) {
    const count = RECORD_KINDS.reduce((n, kind) => n + (Array.isArray(raw[kind]) ? (raw[kind] as unknown[]).length : 0), 0)
    if (count > MAX_RECORDS) {
      throw new IngestError(413, 'too_many_records', `body: ${count} records, at most ${MAX_RECORDS} per request`)
    }
  }
  const result = ingestSchema.safeParse(raw, { reportInput: true })
  if (result.success) return result.data
  const [first] = result.error.issues
  const more = result.error.issues.length - 1
  const code = first.code === 'unrecognized_keys' ? 'unknown_field' : 'invalid_field'
  throw new IngestError(400, code, describeIssue(first) + (more > 0 ? ` (and ${more} more problem${more > 1 ? 's' : ''})` : ''))
}

/** `metrics[3].type: expected one of counter|gauge|histogram|summary, got "countr"` */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path)
  const input = (issue as { input?: unknown }).input
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
    case 'invalid_value':
      if (input === undefined) return `${path}: is required (one of ${issue.values.join('|')})`
      return `${path}: expected one of ${issue.values.join('|')}, got ${describeValue(input)}`
    case 'invalid_type':
      if (input === undefined) return `${path}: is required`
      return `${path}: expected ${issue.expected === 'object' ? 'an object' : issue.expected}, got ${describeValue(input)}`
    default:
      return `${path}: ${issue.message}${input !== undefined && typeof input !== 'object' ? `, got ${describeValue(input)}` : ''}`
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}
