// Query strings of GET /v1/health and /v1/health/history (docs/health.md). As elsewhere in the API, an unknown or
// repeated parameter is an error naming it, never silently ignored.
import { isValidDeviceId } from '../../protocol/ids.js'
import { badParameter } from '../metrics/query/errors.js'
import { parseTime } from '../metrics/query/time.js'
import type { HistoryQuery } from './types.js'
import { assertKnown, single } from '../params.js'

export const DEFAULT_HISTORY_RANGE_MS = 24 * 3_600_000
export const DEFAULT_HISTORY_LIMIT = 100
export const MAX_HISTORY_LIMIT = 10_000

export function parseCurrentParams(params: URLSearchParams): { device?: string } {
  assertKnown(params, ['device'])
  return { device: readDevice(params) }
}

export function parseHistoryParams(params: URLSearchParams, now: number): HistoryQuery {
  assertKnown(params, ['device', 'check', 'from', 'to', 'limit'])
  const toInput = single(params, 'to')
  const fromInput = single(params, 'from')
  const to = toInput === undefined ? now : parseTime(toInput, now, 'to')
  const from = fromInput === undefined ? to - DEFAULT_HISTORY_RANGE_MS : parseTime(fromInput, now, 'from')
  if (from > to) throw badParameter('from', fromInput ?? String(from), `must not be after to (${new Date(to).toISOString()})`)
  const limitInput = single(params, 'limit')
  const limit = limitInput === undefined ? DEFAULT_HISTORY_LIMIT : Number(limitInput)
  if (limitInput !== undefined && !(/^\d+$/.test(limitInput) && limit >= 1 && limit <= MAX_HISTORY_LIMIT)) {
    throw badParameter('limit', limitInput, `expected a whole number 1-${MAX_HISTORY_LIMIT}`)
  }
  const query: HistoryQuery = { from, to, limit }
  const device = readDevice(params)
  if (device !== undefined) query.device = device
  const check = single(params, 'check')
  if (check !== undefined) {
    if (check === '') throw badParameter('check', check, 'must not be empty')
    query.check = check
  }
  return query
}

function readDevice(params: URLSearchParams): string | undefined {
  const device = single(params, 'device')
  if (device !== undefined && !isValidDeviceId(device)) throw badParameter('device', device, 'expected a device id matching [A-Za-z0-9._-]{1,64}')
  return device
}


