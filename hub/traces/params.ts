// Query strings of GET /v1/traces and /v1/traces/stats (docs/traces.md). As in /v1/metrics, every error names its
// parameter, and an unknown parameter is an error, so a typo never falls back to a default silently.
import { badParameter } from '../metrics/query/errors.js'
import { parseDuration, parseTime } from '../metrics/query/time.js'
import type { TraceSearch } from './search.js'
import type { TraceStatsQuery } from './stats.js'
import { assertKnown, readLimit, single } from '../params.js'

const DEFAULT_RANGE_MS = 3_600_000
export const DEFAULT_TRACE_LIMIT = 20
export const MAX_TRACE_LIMIT = 1_000
const MAX_NAME_LENGTH = 1_024

const SEARCH_PARAMS = ['service', 'operation', 'minDuration', 'error', 'from', 'to', 'limit'] as const
const STATS_PARAMS = ['service', 'from', 'to'] as const

export function parseTraceSearchParams(params: URLSearchParams, now: number): TraceSearch {
  assertKnown(params, SEARCH_PARAMS)
  const search: TraceSearch = { ...readRange(params, now), limit: readLimit(params, DEFAULT_TRACE_LIMIT, MAX_TRACE_LIMIT) }
  const service = readName(params, 'service')
  if (service !== undefined) search.service = service
  const operation = readName(params, 'operation')
  if (operation !== undefined) search.operation = operation
  const minDuration = single(params, 'minDuration')
  if (minDuration !== undefined) search.minDurationMs = parseDuration(minDuration, 'minDuration')
  const error = single(params, 'error')
  if (error !== undefined) {
    if (error !== 'true' && error !== 'false') throw badParameter('error', error, 'expected true or false')
    if (error === 'true') search.errorsOnly = true
  }
  return search
}

export function parseTraceStatsParams(params: URLSearchParams, now: number): TraceStatsQuery {
  assertKnown(params, STATS_PARAMS)
  const query: TraceStatsQuery = readRange(params, now)
  const service = readName(params, 'service')
  if (service !== undefined) query.service = service
  return query
}

/** The `{traceId}` path segment: any non-empty id a device may send, within reason. The route takes no parameters. */
export function parseTraceId(input: string, params: URLSearchParams): string {
  assertKnown(params, [])
  if (input.length === 0 || input.length > MAX_NAME_LENGTH) {
    throw badParameter('traceId', input.slice(0, 64), `must be 1 to ${MAX_NAME_LENGTH} characters`)
  }
  return input
}


function readRange(params: URLSearchParams, now: number): { from: number; to: number } {
  const fromInput = single(params, 'from')
  const toInput = single(params, 'to')
  const to = toInput === undefined ? now : parseTime(toInput, now, 'to')
  const from = fromInput === undefined ? to - DEFAULT_RANGE_MS : parseTime(fromInput, now, 'from')
  if (from > to) throw badParameter('from', fromInput ?? String(from), `must not be after to (${new Date(to).toISOString()})`)
  return { from, to }
}


function readName(params: URLSearchParams, name: string): string | undefined {
  const value = single(params, name)
  if (value === undefined) return undefined
  if (value.length === 0 || value.length > MAX_NAME_LENGTH) throw badParameter(name, value.slice(0, 64), `must be 1 to ${MAX_NAME_LENGTH} characters`)
  return value
}

