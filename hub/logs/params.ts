// Query strings of GET /v1/logs and /v1/logs/errors (docs/logs.md). Every error names its parameter, and an
// unknown parameter is an error, so a typo never quietly widens a search.
import { LOG_LEVELS, type LogLevel } from '../../protocol/batch.js'
import { isValidDeviceId } from '../../protocol/ids.js'
import { badParameter } from '../metrics/query/errors.js'
import { parseTime } from '../metrics/query/time.js'
import { isRecordId } from './keys.js'
import { tokenize } from './tokenize.js'
import type { ErrorQuery, LogQuery } from './types.js'
import { assertKnown, readLimit, single } from '../params.js'

export const DEFAULT_LIMIT = 100
export const MAX_LIMIT = 1000
const MAX_QUERY_WORDS = 16
const MAX_COMPONENT_LENGTH = 256

const LOG_PARAMS = ['device', 'level', 'component', 'q', 'from', 'to', 'limit', 'cursor'] as const
const ERROR_PARAMS = ['device', 'from', 'to', 'limit'] as const

/** Opaque page cursor: the last record id of the page, base64url. */
export function encodeCursor(recordId: string): string {
  return Buffer.from(recordId, 'utf8').toString('base64url')
}

export function parseLogParams(params: URLSearchParams, now: number): LogQuery {
  assertKnown(params, LOG_PARAMS)
  const query: LogQuery = { ...readRange(params, now), limit: readLimit(params, DEFAULT_LIMIT, MAX_LIMIT) }
  const device = readDevice(params)
  if (device !== undefined) query.device = device
  const level = single(params, 'level')
  if (level !== undefined) {
    const levels = parseLevels(level)
    if (levels.length < LOG_LEVELS.length) query.levels = levels
  }
  const component = single(params, 'component')
  if (component !== undefined) {
    if (component.length === 0 || component.length > MAX_COMPONENT_LENGTH) {
      throw badParameter('component', component, `must be 1 to ${MAX_COMPONENT_LENGTH} characters`)
    }
    query.component = component
  }
  const q = single(params, 'q')
  if (q !== undefined) query.words = parseWords(q)
  const cursor = single(params, 'cursor')
  if (cursor !== undefined) query.after = decodeCursor(cursor)
  return query
}

export function parseErrorParams(params: URLSearchParams, now: number): ErrorQuery {
  assertKnown(params, ERROR_PARAMS)
  const query: ErrorQuery = { ...readRange(params, now), limit: readLimit(params, DEFAULT_LIMIT, MAX_LIMIT) }
  const device = readDevice(params)
  if (device !== undefined) query.device = device
  return query
}

/** One level is a minimum (`warning` = warning, error, critical); a comma-separated list is the exact set. */
function parseLevels(input: string): LogLevel[] {
  const names = input.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
  const expected = `expected a level (${LOG_LEVELS.join(' ')}) as a minimum, or a comma-separated list of levels`
  if (names.length === 0) throw badParameter('level', input, expected)
  for (const name of names) {
    if (!(LOG_LEVELS as readonly string[]).includes(name)) throw badParameter('level', input, `unknown level "${name}"; ${expected}`)
  }
  if (!input.includes(',')) return LOG_LEVELS.slice(LOG_LEVELS.indexOf(names[0] as LogLevel))
  return LOG_LEVELS.filter((l) => names.includes(l))
}

function parseWords(q: string): string[] {
  const words = tokenize(q, Infinity)
  if (words.length === 0) {
    throw badParameter('q', q, 'no searchable word: words are letters and digits, at least 2 long, common words like "the" skipped')
  }
  if (words.length > MAX_QUERY_WORDS) throw badParameter('q', q, `at most ${MAX_QUERY_WORDS} words`)
  return words
}

function decodeCursor(cursor: string): string {
  const id = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : ''
  if (!isRecordId(id)) throw badParameter('cursor', cursor, 'not a cursor this API returned (pass `next` unchanged)')
  return id
}

function readRange(params: URLSearchParams, now: number): { from: number; to: number } {
  const fromInput = single(params, 'from')
  const toInput = single(params, 'to')
  const from = fromInput === undefined ? -Infinity : parseTime(fromInput, now, 'from')
  const to = toInput === undefined ? Infinity : parseTime(toInput, now, 'to')
  if (from > to) throw badParameter('from', fromInput!, `must not be after to=${toInput ?? 'now'}`)
  return { from, to }
}


function readDevice(params: URLSearchParams): string | undefined {
  const device = single(params, 'device')
  if (device !== undefined && !isValidDeviceId(device)) throw badParameter('device', device, 'must match [A-Za-z0-9._-]{1,64}')
  return device
}


