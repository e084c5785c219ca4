// Issue 17: Alertmanager's time intervals (prometheus.io/docs/alerting/latest/configuration/#time_interval) for
// mute_time_intervals and active_time_intervals: times, weekdays, days_of_month, months, years, location.
import { z } from 'zod'
import { OptionsError } from '../../../kit/options.js'

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december']

const hhmm = z.string().regex(/^([01]\d|2[0-4]):[0-5]\d$/, 'expected HH:MM')
const spec = z
  .object({
    times: z.array(z.object({ start_time: hhmm, end_time: hhmm }).strict()).optional(),
    weekdays: z.array(z.string()).optional(),
    days_of_month: z.array(z.string()).optional(),
    months: z.array(z.string()).optional(),
    years: z.array(z.string()).optional(),
    location: z.string().default('UTC'),
  })
  .strict()
export const timeIntervalsSchema = z.array(z.object({ name: z.string().min(1), time_intervals: z.array(spec).min(1) }).strict()).default([])

type Range = [number, number]
export interface TimeInterval {
  times?: Range[]
  weekdays?: Range[]
  days?: Range[]
  months?: Range[]
  years?: Range[]
  location: string
}

function ranges(list: string[] | undefined, key: string, names: string[] | null, min: number, max: number): Range[] | undefined {
  if (!list) return undefined
  return list.map((item, i) => {
    const parts = item.toLowerCase().split(':')
    const value = (p: string) => {
      const n = names && names.includes(p) ? names.indexOf(p) + min : Number(p)
      if (!Number.isInteger(n) || (n < min && !(n < 0 && max === 31)) || n > max) throw new OptionsError(`${key}[${i}]`, `bad value ${JSON.stringify(item)}`)
      return n
    }
    const lo = value(parts[0])
    const hi = parts.length > 1 ? value(parts[1]) : lo
    return [lo, hi] as Range
  })
}

/** Checks the `time_intervals` list; returns intervals by name. */
export function buildTimeIntervals(raw: z.output<typeof timeIntervalsSchema>, key: string): Map<string, TimeInterval[]> {
  const out = new Map<string, TimeInterval[]>()
  raw.forEach((entry, i) => {
    const k = `${key}[${i}]`
    if (out.has(entry.name)) throw new OptionsError(`${k}.name`, `time interval "${entry.name}" is defined twice`)
    out.set(
      entry.name,
      entry.time_intervals.map((t, j) => {
        const kk = `${k}.time_intervals[${j}]`
        try {
          new Intl.DateTimeFormat('en-US', { timeZone: t.location })
        } catch {
          throw new OptionsError(`${kk}.location`, `unknown time zone ${JSON.stringify(t.location)}`)
        }
        return {
          times: t.times?.map((r) => [minutes(r.start_time), minutes(r.end_time)] as Range),
          weekdays: ranges(t.weekdays, `${kk}.weekdays`, WEEKDAYS, 0, 6),
          days: ranges(t.days_of_month, `${kk}.days_of_month`, null, 1, 31),
          months: ranges(t.months, `${kk}.months`, MONTHS, 1, 12),
          years: ranges(t.years, `${kk}.years`, null, 1970, 9999),
          location: t.location,
        }
      }),
    )
  })
  return out
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number)
  return h * 60 + m
}

const inRanges = (rs: Range[] | undefined, v: number, monthDays = 31) =>
  !rs || rs.some(([lo, hi]) => {
    // Negative days of month count from the end (-1 is the last day).
    const a = lo < 0 ? monthDays + lo + 1 : lo
    const b = hi < 0 ? monthDays + hi + 1 : hi
    return v >= a && v <= b
  })

/** True when `at` (ms) falls inside one of the intervals, each read in its own time zone. */
export function inTimeInterval(intervals: readonly TimeInterval[], at: number): boolean {
  return intervals.some((t) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', { timeZone: t.location, hourCycle: 'h23', weekday: 'long', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })
        .formatToParts(at)
        .map((p) => [p.type, p.value]),
    )
    const year = Number(parts.year)
    const month = Number(parts.month)
    const minute = Number(parts.hour) * 60 + Number(parts.minute)
    const monthDays = new Date(Date.UTC(year, month, 0)).getUTCDate()
    return (
      (!t.times || t.times.some(([lo, hi]) => minute >= lo && minute < hi)) &&
      inRanges(t.weekdays, WEEKDAYS.indexOf(parts.weekday.toLowerCase())) &&
      inRanges(t.days, Number(parts.day), monthDays) &&
      inRanges(t.months, month) &&
      inRanges(t.years, year)
    )
  })
}
