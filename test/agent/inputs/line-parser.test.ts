import { describe, expect, it } from 'vitest'
import { levelOf, parseLine, timeOf } from '../../../agent/inputs/tail/line-parser.js'

const ctx = { component: 'pump', file: '/var/log/pump.log', now: 1_700_000_000_000 }

describe('tailed line parsing', () => {
  it('json: message, level, time, trace ids and the other fields as attributes', () => {
    const line = JSON.stringify({ time: '2024-05-01T10:00:00.250Z', severity: 'WARN', msg: 'pressure high', trace_id: 'abc', spanId: 'def', bar: 3.5 })
    expect(parseLine(line, 'json', ctx)).toEqual({
      ts: Date.parse('2024-05-01T10:00:00.250Z'),
      level: 'warning',
      message: 'pressure high',
      component: 'pump',
      traceId: 'abc',
      spanId: 'def',
      attrs: { file: '/var/log/pump.log', bar: 3.5 },
    })
  })

  it('json: pino numeric levels and epoch seconds or ms; no level is info; no message keeps the line', () => {
    expect(parseLine('{"level":50,"time":1700000001,"msg":"x"}', 'json', ctx)).toMatchObject({ level: 'error', ts: 1_700_000_001_000 })
    expect(parseLine('{"lvl":"crit","ts":1700000002500,"message":"x"}', 'json', ctx)).toMatchObject({ level: 'critical', ts: 1_700_000_002_500 })
    const bare = parseLine('{"a":1}', 'json', ctx)
    expect(bare).toMatchObject({ level: 'info', ts: ctx.now, message: '{"a":1}' })
  })

  it('json: a line that is not a JSON object is kept as text, and reserved keys never become attributes', () => {
    expect(parseLine('ERROR not json {', 'json', ctx)).toMatchObject({ level: 'error', message: 'ERROR not json {' })
    const record = parseLine('{"msg":"m","__proto__":{"polluted":1},"constructor":2}', 'json', ctx)
    expect(Object.keys(record.attrs!)).toEqual(['file'])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })

  it('text: the level token in the line, read time, info when none', () => {
    const cases: Array<[string, string]> = [
      ['2024-05-01 10:00:00 DEBUG starting', 'debug'],
      ['[INFO] ready', 'info'],
      ['WARN disk 91%', 'warning'],
      ['WARNING: low battery', 'warning'],
      ['E 12 ERR bad checksum', 'error'],
      ['ERROR: cannot open', 'error'],
      ['CRIT overheating', 'critical'],
      ['CRITICAL shutdown', 'critical'],
      ['FATAL out of memory', 'critical'],
      ['an error in lower case is not a level token', 'info'],
      ['INFORMATION is not INFO as a whole word... but INFO is', 'info'],
    ]
    for (const [line, level] of cases) expect(parseLine(line, 'text', ctx), line).toMatchObject({ level, message: line, ts: ctx.now, component: 'pump' })
  })

  it('level words and time formats', () => {
    expect(['trace', 'Debug', 'notice', 'WARNING', 'err', 'fatal', 'bogus', 3].map(levelOf)).toEqual([
      'debug', 'debug', 'info', 'warning', 'error', 'critical', 'info', 'debug',
    ])
    expect(timeOf('1700000000')).toBe(1_700_000_000_000)
    expect(timeOf(1_700_000_000_000_000)).toBe(1_700_000_000_000)
    expect(timeOf(1_700_000_000_000_000_000)).toBe(1_700_000_000_000)
    expect(timeOf('2024-05-01T12:00:00+02:00')).toBe(Date.parse('2024-05-01T10:00:00Z'))
    expect(timeOf('yesterday')).toBeUndefined()
    expect(timeOf(-5)).toBeUndefined()
  })
})
