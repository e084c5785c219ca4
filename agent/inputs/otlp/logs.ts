import type { LogLevel, LogRecord } from '../../../protocol/batch.js'
import { Collector, eachItem, withoutUndefined, type Conversion } from './convert-common.js'
import { anyValue, asId, asInteger, asObject, asString, attributes, fail, nanosToMs, valueText, type Origin } from './values.js'

/** OTLP SeverityNumber ranges of four (TRACE 1-4, DEBUG 5-8, INFO 9-12, WARN 13-16, ERROR 17-20, FATAL 21-24). */
const LEVEL_BY_RANGE: LogLevel[] = ['debug', 'debug', 'info', 'warning', 'error', 'critical']

/** severityText spellings of common loggers (lower case, trailing digits dropped: "INFO2" is "info"). */
const LEVEL_BY_TEXT: Record<string, LogLevel> = {
  trace: 'debug', debug: 'debug', fine: 'debug', finer: 'debug', finest: 'debug',
  info: 'info', information: 'info', informational: 'info', notice: 'info',
  warn: 'warning', warning: 'warning',
  error: 'error', err: 'error', severe: 'error',
  fatal: 'critical', critical: 'critical', crit: 'critical', alert: 'critical', emerg: 'critical', emergency: 'critical',
}

/** Attributes that name the component, most specific first; the one used is not repeated in attrs. */
const COMPONENT_ATTRS = ['log.component', 'component']

/** An ExportLogsServiceRequest (JSON mapping or decoded protobuf) as LogRecords; see docs/otlp.md. */
export function convertLogs(request: Record<string, unknown>, now: number): Conversion<LogRecord> {
  const out = new Collector<LogRecord>()
  eachItem(request, 'Logs', 'logRecords', (item, path, origin) => out.take(() => convertLog(item, path, origin, now)))
  return out.result()
}

function convertLog(item: unknown, path: string, origin: Origin, now: number): LogRecord {
  const log = asObject(item, path)
  const attrs = attributes(log.attributes, `${path}.attributes`)
  let component = origin.scope
  for (const key of COMPONENT_ATTRS) {
    if (typeof attrs[key] === 'string' && attrs[key] !== '') {
      component = attrs[key] as string
      delete attrs[key]
      break
    }
  }
  if (origin.service !== undefined && !('service' in attrs)) attrs.service = origin.service
  const body = 'body' in log ? anyValue(log.body, `${path}.body`) : null
  return withoutUndefined<LogRecord>({
    ts: nanosToMs(log.timeUnixNano, `${path}.timeUnixNano`) ?? nanosToMs(log.observedTimeUnixNano, `${path}.observedTimeUnixNano`) ?? now,
    level: level(log, path),
    message: body === null ? '' : valueText(body),
    component,
    attrs: Object.keys(attrs).length > 0 ? attrs : undefined,
    traceId: asId(log.traceId, 16, `${path}.traceId`),
    spanId: asId(log.spanId, 8, `${path}.spanId`),
  })
}

/** severityNumber when set (1-24), else severityText, else info. A level that exists in neither is refused. */
function level(log: Record<string, unknown>, path: string): LogLevel {
  const number = typeof log.severityNumber === 'string' && !/^\d+$/.test(log.severityNumber)
    ? severityNumberByName(log.severityNumber, `${path}.severityNumber`)
    : asInteger(log.severityNumber, `${path}.severityNumber`)
  if (number < 0 || number > 24) fail(`${path}.severityNumber`, 'is not a severity number (1-24)', number)
  if (number > 0) return LEVEL_BY_RANGE[Math.floor((number - 1) / 4)]
  const text = asString(log.severityText, `${path}.severityText`)
  if (text === '') return 'info'
  const known = LEVEL_BY_TEXT[text.toLowerCase().replace(/\d+$/, '')]
  return known ?? fail(`${path}.severityText`, `is not a level this agent knows (${Object.keys(LEVEL_BY_TEXT).join(', ')})`, text)
}

/** The JSON mapping may spell the enum by name: SEVERITY_NUMBER_WARN2. */
function severityNumberByName(name: string, path: string): number {
  const match = /^SEVERITY_NUMBER_(TRACE|DEBUG|INFO|WARN|ERROR|FATAL)([234])?$/.exec(name)
  if (name === 'SEVERITY_NUMBER_UNSPECIFIED') return 0
  if (!match) return fail(path, 'is not a severity number name', name)
  const base = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'].indexOf(match[1]) * 4 + 1
  return base + (match[2] ? Number(match[2]) - 1 : 0)
}
