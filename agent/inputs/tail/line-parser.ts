import type { LogLevel, LogRecord } from '../../../protocol/batch.js'
import { FORBIDDEN_KEYS } from '../../../protocol/field-checks.js'

/** Level words as applications write them, mapped to DESIGN §9's levels. */
const LEVEL_WORDS: Record<string, LogLevel> = {
  trace: 'debug',
  debug: 'debug',
  info: 'info',
  notice: 'info',
  warn: 'warning',
  warning: 'warning',
  error: 'error',
  err: 'error',
  crit: 'critical',
  critical: 'critical',
  fatal: 'critical',
  alert: 'critical',
  emerg: 'critical',
  panic: 'critical',
}

/** An upper-case level token in free text; lower case is too common in ordinary words to be read as a level. */
const TEXT_LEVEL = /\b(TRACE|DEBUG|INFO|WARN(?:ING)?|ERROR|ERR|CRIT(?:ICAL)?|FATAL)\b/

const LEVEL_FIELDS = ['level', 'severity', 'lvl']
const MESSAGE_FIELDS = ['msg', 'message']
const TIME_FIELDS = ['ts', 'time', 'timestamp']
const TRACE_FIELDS = ['trace_id', 'traceId']
const SPAN_FIELDS = ['span_id', 'spanId']

export type LineParser = 'json' | 'text'

export interface LineContext {
  component: string
  /** The file the line came from, kept as the `file` attribute. */
  file: string
  /** Read time, used when the line carries no timestamp. */
  now: number
}

/** Turns one log line into a record. A `json` line that is not a JSON object is kept as text. */
export function parseLine(line: string, parser: LineParser, ctx: LineContext): LogRecord {
  if (parser === 'json') {
    const obj = parseObject(line)
    if (obj) return fromJson(obj, line, ctx)
  }
  const token = TEXT_LEVEL.exec(line)?.[1]
  return { ts: ctx.now, level: token ? levelOf(token) : 'info', message: line, component: ctx.component, attrs: { file: ctx.file } }
}

/** Maps a level word (any case) or a pino/bunyan number to a level; unknown values are `info`. */
export function levelOf(value: unknown): LogLevel {
  if (typeof value === 'number') {
    if (value >= 60) return 'critical'
    if (value >= 50) return 'error'
    if (value >= 40) return 'warning'
    if (value >= 30) return 'info'
    return 'debug'
  }
  return typeof value === 'string' ? (LEVEL_WORDS[value.trim().toLowerCase()] ?? 'info') : 'info'
}

/** A timestamp in seconds, ms, µs or ns since the epoch (told apart by size), or an RFC 3339 string. */
export function timeOf(value: unknown): number | undefined {
  let n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN
  if (typeof value === 'string' && Number.isNaN(n)) n = Date.parse(value)
  if (!Number.isFinite(n) || n <= 0) return undefined
  if (n < 1e11) return Math.round(n * 1000)
  if (n < 1e14) return Math.round(n)
  if (n < 1e17) return Math.round(n / 1e3)
  return Math.round(n / 1e6)
}

function fromJson(obj: Record<string, unknown>, line: string, ctx: LineContext): LogRecord {
  const attrs: Record<string, unknown> = { file: ctx.file }
  const used = new Set<string>()
  const pick = (fields: string[]): unknown => {
    for (const f of fields) {
      if (obj[f] !== undefined && obj[f] !== null) {
        used.add(f)
        return obj[f]
      }
    }
    return undefined
  }
  const level = levelOf(pick(LEVEL_FIELDS))
  const message = pick(MESSAGE_FIELDS)
  const ts = timeOf(pick(TIME_FIELDS)) ?? ctx.now
  const traceId = pick(TRACE_FIELDS)
  const spanId = pick(SPAN_FIELDS)
  for (const [k, v] of Object.entries(obj)) if (!used.has(k) && !FORBIDDEN_KEYS.has(k)) attrs[k] = v
  const record: LogRecord = {
    ts,
    level,
    message: typeof message === 'string' ? message : message === undefined ? line : JSON.stringify(message),
    component: ctx.component,
    attrs,
  }
  if (typeof traceId === 'string' && traceId) record.traceId = traceId
  if (typeof spanId === 'string' && spanId) record.spanId = spanId
  return record
}

function parseObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined
  try {
    const value: unknown = JSON.parse(line)
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}
