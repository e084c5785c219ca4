// Times and durations in query parameters (DESIGN §7): ms since epoch, RFC 3339, `now`, or relative like `-1h`.
import ms from 'ms'
import { badParameter } from './errors.js'

const EPOCH_MS = /^\d{1,16}$/
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/
const RELATIVE = /^-(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/
// RFC 3339 §5.6. A space may stand for the offset's `+`: an unencoded `+` in a URL query decodes to a space.
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+\- ])(\d{2}):(\d{2}))$/

const TIME_FORMS = 'expected ms since epoch, RFC 3339 (2026-11-21T10:00:00Z), now, or a relative time like -1h'
const DURATION_FORMS = 'expected a positive duration like 500ms, 60s, 5m, 1h, 1d, or whole ms'

/** Parses a point in time to ms since epoch; `now` anchors `now` and relative times. Throws QueryError. */
export function parseTime(input: string, now: number, param: string): number {
  if (input === 'now') return now
  if (EPOCH_MS.test(input)) {
    const value = Number(input)
    if (Number.isSafeInteger(value)) return value
  }
  const relative = RELATIVE.exec(input)
  if (relative) return now - Math.round(durationOf(relative[1], relative[2]))
  if (RFC3339.test(input)) {
    const value = parseRfc3339(input)
    if (value === undefined) throw badParameter(param, input, 'not a valid date and time')
    return value
  }
  throw badParameter(param, input, TIME_FORMS)
}

/** Parses a `step`/`window` value to whole ms > 0. Throws QueryError. */
export function parseDuration(input: string, param: string): number {
  let value: number | undefined
  if (EPOCH_MS.test(input)) value = Number(input)
  else {
    const match = DURATION.exec(input)
    if (match) value = durationOf(match[1], match[2])
  }
  if (value === undefined) throw badParameter(param, input, DURATION_FORMS)
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw badParameter(param, input, 'must be a whole number of ms greater than 0')
  }
  return value
}

/** The shortest exact spelling of a duration: 300000 → "5m", 1500 → "1500ms". For messages. */
export function formatDuration(durationMs: number): string {
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]
  for (const [unit, size] of units) {
    if (durationMs >= size && durationMs % size === 0) return `${durationMs / size}${unit}`
  }
  return `${durationMs}ms`
}

function durationOf(amount: string, unit: string): number {
  // Only strings our regexes accepted reach `ms`, so its looser grammar ("1 hour", "5M") never leaks into the API.
  return ms(`${amount}${unit}` as ms.StringValue)
}

function parseRfc3339(input: string): number | undefined {
  const m = RFC3339.exec(input)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number)
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined
  // Second 60 is a leap second in RFC 3339; Date.UTC carries it into the next minute.
  if (hour > 23 || minute > 59 || second > 60) return undefined
  const millis = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0
  let offsetMs = 0
  if (!m[8]) {
    const offsetHours = Number(m[10])
    const offsetMinutes = Number(m[11])
    if (offsetHours > 23 || offsetMinutes > 59) return undefined
    offsetMs = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000
  }
  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999.
  const date = new Date(0)
  date.setUTCFullYear(year, month - 1, day)
  date.setUTCHours(hour, minute, second, millis)
  return date.getTime() - offsetMs
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
  return [4, 6, 9, 11].includes(month) ? 30 : 31
}
