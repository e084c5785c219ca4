import { describe, expect, it } from 'vitest'
import { QueryError } from '../../../../hub/metrics/query/errors.js'
import {
  assertSeriesLimit,
  DEFAULT_QUERY_LIMITS,
  parseQueryParams,
  parseSelectorParams,
  parseStatsParams,
} from '../../../../hub/metrics/query/params.js'

const NOW = 1_800_000_000_000
const HOUR = 3_600_000
const DAY = 86_400_000

const query = (search: string, limits = DEFAULT_QUERY_LIMITS) =>
  parseQueryParams(new URLSearchParams(search), NOW, limits)

function errorOf(run: () => unknown): QueryError {
  try {
    run()
  } catch (error) {
    if (error instanceof QueryError) return error
    throw error
  }
  throw new Error('expected a QueryError')
}

describe('parseQueryParams', () => {
  it('defaults to the last hour, avg, and an automatic step', () => {
    const { selector, spec } = query('name=system_load1')
    expect(selector).toEqual({ name: 'system_load1' })
    // 1 h / 300 points = 12 s, rounded up to 15 s.
    expect(spec).toEqual({ from: NOW - HOUR, to: NOW, step: 15_000, agg: 'avg' })
  })

  it.each([
    ['-5m', 1_000], // 1 s per point gives 300 points
    ['-1h', 15_000], // 12 s -> 15 s
    ['-1d', 300_000], // 288 s -> 5 m
    ['-7d', HOUR], // 2,016 s -> 1 h
    ['-30d', 3 * HOUR], // 8,640 s -> 3 h
    ['-365d', 2 * DAY], // 105,120 s = 1.2 d -> whole days past the ladder
    ['now', 1_000], // an empty range still gets the smallest step
  ])('chooses the step for from=%s as %d ms', (from, step) => {
    expect(query(`name=m&from=${from}`).spec.step).toBe(step)
  })

  it('reads from, to, step, agg', () => {
    const { spec } = query('name=m&from=-2h&to=-1h&step=5m&agg=p95')
    expect(spec).toEqual({ from: NOW - 2 * HOUR, to: NOW - HOUR, step: 300_000, agg: 'p95' })
  })

  it('takes the hour before `to` when only `to` is given', () => {
    const { spec } = query('name=m&to=-1d')
    expect([spec.from, spec.to]).toEqual([NOW - DAY - HOUR, NOW - DAY])
  })

  it('reads name, device and label.K=V into a selector', () => {
    const { selector } = query('name=system_filesystem_used_bytes&device=dev-1&label.mount=%2Fdata&label.fs_type=ext4')
    expect(selector).toEqual({
      name: 'system_filesystem_used_bytes',
      labels: { mount: '/data', fs_type: 'ext4', device: 'dev-1' },
    })
  })

  it('reads groupBy as a list, comma-separated or repeated, without duplicates', () => {
    expect(query('name=m&groupBy=device,mount').spec.groupBy).toEqual(['device', 'mount'])
    expect(query('name=m&groupBy=device&groupBy=mount&groupBy=device').spec.groupBy).toEqual(['device', 'mount'])
    expect(query('name=m&groupBy=').spec.groupBy).toEqual([])
    expect(query('name=m').spec.groupBy).toBeUndefined()
  })

  it.each([
    ['from=-1h&to=-2h', 'from'],
    ['from=tomorrow', 'from'],
    ['to=1.5', 'to'],
    ['step=0', 'step'],
    ['step=fast', 'step'],
    ['agg=median', 'agg'],
    ['groupBy=mount-point', 'groupBy'],
    ['groupBy=__proto__', 'groupBy'],
    ['step=1m&step=5m', 'step'],
    ['label.1cpu=0', 'label.1cpu'],
    ['label.=0', 'label.'],
    ['label.__proto__=x', 'label.__proto__'],
    ['label.cpu=', 'label.cpu'],
    ['device=a%2Fb', 'device'],
    ['device=a&label.device=a', 'device'],
  ])('rejects %s, naming %s', (search, param) => {
    const error = errorOf(() => query(`name=m&${search}`))
    expect(error.code).toBe('bad_parameter')
    expect(error.status).toBe(400)
    expect(error.param).toBe(param)
    expect(error.message).toContain(param)
  })

  it('lists the aggregations when agg is wrong', () => {
    expect(errorOf(() => query('name=m&agg=median')).message).toContain('avg min max sum count last rate p50 p90 p95 p99')
  })

  it('rejects a bad metric name and a repeated one', () => {
    expect(errorOf(() => query('name=cpu-usage')).param).toBe('name')
    expect(errorOf(() => query('name=a&name=b')).param).toBe('name')
  })

  it('requires name', () => {
    const error = errorOf(() => query('device=dev-1'))
    expect(error.code).toBe('missing_parameter')
    expect(error.param).toBe('name')
  })

  it('rejects an unknown parameter instead of using a default', () => {
    const error = errorOf(() => query('name=m&stpe=1m'))
    expect(error.code).toBe('unknown_parameter')
    expect(error.status).toBe(400)
    expect(error.param).toBe('stpe')
    expect(error.message).toContain('"stpe"')
    expect(error.message).toContain('step')
  })

  it('rejects a step that asks for more points than the limit, saying which step would do', () => {
    // 1 d at 1 s is 86,400 points; 86,400 / 11,000 = 7.9 s, so 10 s is the smallest ladder step that fits.
    const error = errorOf(() => query('name=m&from=-1d&step=1s'))
    expect(error.code).toBe('too_many_points')
    expect(error.status).toBe(422)
    expect(error.param).toBe('step')
    expect(error.message).toContain('86,400')
    expect(error.message).toContain('11,000')
    expect(error.message).toContain('step=10s')
  })

  it('accepts exactly the limit', () => {
    expect(query('name=m&from=-11000s&step=1s').spec.step).toBe(1_000)
    expect(errorOf(() => query('name=m&from=-11001s&step=1s')).code).toBe('too_many_points')
  })

  it('keeps the automatic step within a smaller limit', () => {
    const limits = { maxPointsPerSeries: 100, maxSeries: 10 }
    // 3,600 s / 100 points = 36 s -> 1 m.
    expect(query('name=m', limits).spec.step).toBe(60_000)
    expect(errorOf(() => query('name=m&step=30s', limits)).code).toBe('too_many_points')
  })
})

describe('parseSelectorParams', () => {
  it('needs no name', () => {
    expect(parseSelectorParams(new URLSearchParams('device=dev-1'))).toEqual({ labels: { device: 'dev-1' } })
    expect(parseSelectorParams(new URLSearchParams(''))).toEqual({})
  })

  it('accepts label.device on its own', () => {
    expect(parseSelectorParams(new URLSearchParams('label.device=x'))).toEqual({ labels: { device: 'x' } })
  })

  it('rejects other parameters unless allowed', () => {
    expect(errorOf(() => parseSelectorParams(new URLSearchParams('name=m&limit=5'))).param).toBe('limit')
    expect(parseSelectorParams(new URLSearchParams('name=m&limit=5'), ['limit'])).toEqual({ name: 'm' })
  })
})

describe('parseStatsParams', () => {
  it('reads the selector and range with the same defaults', () => {
    expect(parseStatsParams(new URLSearchParams('name=m&device=d1'), NOW)).toEqual({
      selector: { name: 'm', labels: { device: 'd1' } },
      from: NOW - HOUR,
      to: NOW,
    })
    expect(parseStatsParams(new URLSearchParams('name=m&from=-1d&to=-12h'), NOW)).toMatchObject({
      from: NOW - DAY,
      to: NOW - DAY / 2,
    })
  })

  it('has no step or agg', () => {
    expect(errorOf(() => parseStatsParams(new URLSearchParams('name=m&step=1m'), NOW)).code).toBe('unknown_parameter')
    expect(errorOf(() => parseStatsParams(new URLSearchParams('name=m&agg=avg'), NOW)).param).toBe('agg')
  })
})

describe('assertSeriesLimit', () => {
  it('allows up to maxSeries', () => {
    expect(() => assertSeriesLimit(10_000)).not.toThrow()
    expect(() => assertSeriesLimit(3, { maxPointsPerSeries: 10, maxSeries: 3 })).not.toThrow()
  })

  it('rejects more with too_many_series', () => {
    const error = errorOf(() => assertSeriesLimit(10_001))
    expect(error.code).toBe('too_many_series')
    expect(error.status).toBe(422)
    expect(error.message).toContain('10,001')
    expect(error.message).toContain('device=')
  })
})
