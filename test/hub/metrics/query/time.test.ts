import { describe, expect, it } from 'vitest'
import { QueryError } from '../../../../hub/metrics/query/errors.js'
import { formatDuration, parseDuration, parseTime } from '../../../../hub/metrics/query/time.js'

// 2026-11-21T10:00:00Z, worked out by hand: 20,778 days after 1970-01-01 plus 10 h.
const NOV_21_10H = 20_778 * 86_400_000 + 10 * 3_600_000
const NOW = NOV_21_10H + 123_456

function expectQueryError(run: () => unknown, param: string, value: string): QueryError {
  let caught: unknown
  try {
    run()
  } catch (error) {
    caught = error
  }
  expect(caught).toBeInstanceOf(QueryError)
  const error = caught as QueryError
  expect(error.code).toBe('bad_parameter')
  expect(error.status).toBe(400)
  expect(error.param).toBe(param)
  expect(error.message).toContain(param)
  expect(error.message).toContain(value)
  return error
}

describe('parseTime', () => {
  it('takes `now` and ms since the epoch', () => {
    expect(parseTime('now', NOW, 'from')).toBe(NOW)
    expect(parseTime('1795255200000', NOW, 'from')).toBe(1_795_255_200_000)
    expect(parseTime('0', NOW, 'from')).toBe(0)
  })

  it('takes RFC 3339 in UTC', () => {
    expect(parseTime('2026-11-21T10:00:00Z', NOW, 'from')).toBe(NOV_21_10H)
    expect(parseTime('2026-11-21t10:00:00z', NOW, 'from')).toBe(NOV_21_10H)
    expect(parseTime('2026-11-21 10:00:00Z', NOW, 'from')).toBe(NOV_21_10H)
  })

  it('applies offsets', () => {
    expect(parseTime('2026-11-21T12:00:00+02:00', NOW, 'from')).toBe(NOV_21_10H)
    expect(parseTime('2026-11-21T04:30:00-05:30', NOW, 'from')).toBe(NOV_21_10H)
    // An unencoded `+` in a query string arrives as a space.
    expect(parseTime('2026-11-21T12:00:00 02:00', NOW, 'from')).toBe(NOV_21_10H)
  })

  it('keeps fractional seconds to the millisecond', () => {
    expect(parseTime('2026-11-21T10:00:00.5Z', NOW, 'from')).toBe(NOV_21_10H + 500)
    expect(parseTime('2026-11-21T10:00:00.291Z', NOW, 'from')).toBe(NOV_21_10H + 291)
    expect(parseTime('2026-11-21T10:00:00.123456789Z', NOW, 'from')).toBe(NOV_21_10H + 123)
  })

  it('knows leap years', () => {
    expect(parseTime('2028-02-29T00:00:00Z', NOW, 'from')).toBe(Date.UTC(2028, 1, 29))
    expectQueryError(() => parseTime('2026-02-29T00:00:00Z', NOW, 'from'), 'from', '2026-02-29T00:00:00Z')
  })

  it('takes relative times before now', () => {
    expect(parseTime('-1h', NOW, 'from')).toBe(NOW - 3_600_000)
    expect(parseTime('-30m', NOW, 'from')).toBe(NOW - 1_800_000)
    expect(parseTime('-7d', NOW, 'from')).toBe(NOW - 604_800_000)
    expect(parseTime('-90s', NOW, 'from')).toBe(NOW - 90_000)
    expect(parseTime('-500ms', NOW, 'from')).toBe(NOW - 500)
    expect(parseTime('-1.5h', NOW, 'to')).toBe(NOW - 5_400_000)
  })

  it.each([
    'yesterday',
    '',
    '-1x',
    '+1h',
    '-1 hour',
    '-1000',
    '1.5',
    '2026-11-21T10:00:00',
    '2026-11-21',
    '2026-13-01T00:00:00Z',
    '2026-02-30T00:00:00Z',
    '2026-11-21T24:00:00Z',
    '2026-11-21T10:60:00Z',
    '2026-11-21T10:00:00+24:00',
  ])('rejects %j, naming the parameter and the value', (input) => {
    expectQueryError(() => parseTime(input, NOW, 'to'), 'to', JSON.stringify(input))
  })
})

describe('parseDuration', () => {
  it.each([
    ['60s', 60_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1w', 604_800_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['60000', 60_000],
  ])('reads %s as %d ms', (input, expected) => {
    expect(parseDuration(input, 'step')).toBe(expected)
  })

  it.each(['0', '0s', '-5m', '5x', '', 'abc', '0.5ms', '5 m', '5M'])(
    'rejects %j, naming the parameter',
    (input) => {
      expectQueryError(() => parseDuration(input, 'window'), 'window', JSON.stringify(input))
    },
  )
})

describe('formatDuration', () => {
  it('spells a duration with its largest exact unit', () => {
    expect(formatDuration(300_000)).toBe('5m')
    expect(formatDuration(86_400_000)).toBe('1d')
    expect(formatDuration(90_000)).toBe('90s')
    expect(formatDuration(1_500)).toBe('1500ms')
  })
})
