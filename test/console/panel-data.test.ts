import { describe, expect, it } from 'vitest'
import { pick, reduceValues, singleValue, tableRows, thresholdColor, withRange, type PanelSpec } from '../../console/src/panels/extract.js'
import { stepFor } from '../../console/src/range.js'
import { fmtTicks, fmtValue } from '../../console/src/format.js'

// The console's pure parts (no DOM): what a panel shows from an API answer, the step a chart asks for, axis labels.

const spec = (over: Partial<PanelSpec> = {}): PanelSpec => ({ title: 't', type: 'stat', query: '/v1/x', ...over })

describe('panel data', () => {
  it('picks dotted paths, maps over lists with [] and counts with .length', () => {
    const answer = { counts: { online: 7 }, devices: [{ counters: { samples: 3 } }, { counters: { samples: 4 } }], alerts: [1, 2, 3] }
    expect(pick(answer, 'counts.online')).toBe(7)
    expect(pick(answer, 'devices[].counters.samples')).toEqual([3, 4])
    expect(pick(answer, 'alerts.length')).toBe(3)
    expect(pick(answer, 'nope.deeper')).toBeUndefined()
  })

  it('reduces; an empty sum is 0 and an empty average is no value', () => {
    expect(reduceValues([1, 2, 3])).toBe(6)
    expect(reduceValues([1, 2, 3], 'avg')).toBe(2)
    expect(reduceValues([1, 5, 3], 'max')).toBe(5)
    expect(reduceValues([1, 5, 3], 'last')).toBe(3)
    expect(reduceValues([], 'sum')).toBe(0)
    expect(reduceValues([], 'avg')).toBeNull()
    expect(reduceValues([], 'count')).toBe(0)
  })

  it('a stat without a field reduces the series’ latest non-null values', () => {
    const answer = { series: [{ labels: { device: 'a' }, points: [[1, 0.2], [2, null]] }, { labels: { device: 'b' }, points: [[1, 0.5], [2, 0.9]] }] }
    expect(singleValue(answer, spec({ reduce: 'max' }))).toBe(0.9)
    expect(singleValue(answer, spec({ reduce: 'sum' }))).toBeCloseTo(1.1)
    expect(tableRows(answer, spec({ type: 'table' }))).toEqual([{ series: 'a', value: 0.2 }, { series: 'b', value: 0.9 }])
    expect(singleValue({ errors: [{ count: 2 }, { count: 5 }] }, spec({ field: 'errors[].count' }))).toBe(7)
  })

  it('thresholds colour from each value up', () => {
    const t = spec({ thresholds: [{ value: 0.9, color: 'red' }, { value: 0, color: 'green' }, { value: 0.7, color: 'orange' }] })
    expect(thresholdColor(0.5, t)).toBe('green')
    expect(thresholdColor(0.75, t)).toBe('orange')
    expect(thresholdColor(0.95, t)).toBe('red')
    expect(thresholdColor(-1, t)).toBeUndefined()
  })

  it('adds the dashboard range to metric, log and trace queries that name none', () => {
    expect(withRange('/v1/metrics/query?name=x', 1000, 2000, 30)).toBe('/v1/metrics/query?name=x&from=1000&to=2000&step=30s')
    expect(withRange('/v1/metrics/query?name=x&from=-5m', 1000, 2000, 30)).toBe('/v1/metrics/query?name=x&from=-5m&step=30s')
    expect(withRange('/v1/logs/errors?from=-1h', 1000, 2000, 30)).toBe('/v1/logs/errors?from=-1h')
    expect(withRange('/v1/devices?limit=1', 1000, 2000, 30)).toBe('/v1/devices?limit=1')
  })
})

describe('charts', () => {
  it('never ask for more points than pixels, and never below 10 s', () => {
    const H = 3_600_000
    for (const [range, px] of [[15 * 60_000, 560], [H, 560], [6 * H, 560], [24 * H, 560], [7 * 24 * H, 560], [7 * 24 * H, 200], [30 * 24 * H, 800]] as const) {
      const step = stepFor(0, range, px)
      expect(step).toBeGreaterThanOrEqual(10)
      expect(range / 1000 / step).toBeLessThanOrEqual(px)
    }
    expect(stepFor(0, 15 * 60_000, 560)).toBe(10)
    expect(stepFor(0, 7 * 24 * 3_600_000, 560)).toBe(1800)
  })

  it('axis labels tell neighbouring ticks apart', () => {
    const gib = 1024 ** 3
    expect(new Set(fmtTicks([11.20 * gib, 11.22 * gib, 11.24 * gib], 'bytes')).size).toBe(3)
    expect(fmtTicks([0.996, 0.998, 1], 'percent')).toEqual(['99.6%', '99.8%', '100.0%'])
    expect(fmtValue(0.5, 'percent')).toBe('50.0%')
    expect(fmtValue(1536, 'bytes/s')).toBe('1.50 KiB/s')
    expect(fmtValue(null)).toBe('–')
  })
})
