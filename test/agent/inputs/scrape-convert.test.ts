import { describe, expect, it } from 'vitest'
import { seriesKey, type WireMetrics } from '../../../protocol/batch.js'
import { MetricsBuilder } from '../../../protocol/metrics-builder.js'
import { addExposition } from '../../../agent/inputs/scrape/convert.js'
import { parseExposition } from '../../../agent/inputs/scrape/parse.js'

const NOW = 1_700_000_000_000

/** Samples by series key, as `name{labels}` → [type, ts, value]. */
function samples(wire: WireMetrics | undefined): Map<string, [string, number, number]> {
  const out = new Map<string, [string, number, number]>()
  if (!wire) return out
  let ts = 0
  wire.i.forEach((i, k) => {
    ts += wire.t[k]
    const [name, type, labels] = wire.s[i]
    out.set(seriesKey(name, labels).replace(/\u0000/g, ',').replace(/\u0001/g, '='), [type, ts, wire.v[k]])
  })
  return out
}

function convert(text: string, extra: Record<string, string> = {}) {
  const builder = new MetricsBuilder()
  const refused = addExposition(builder, parseExposition(text), NOW, extra)
  return { refused, got: samples(builder.build()) }
}

describe('Prometheus text to samples', () => {
  it('keeps every label set of a labelled histogram and summary, and the last line without a newline', () => {
    const { refused, got } = convert(
      [
        '# HELP req_seconds Request time.',
        '# TYPE req_seconds histogram',
        'req_seconds_bucket{path="/a",le="0.1"} 1',
        'req_seconds_bucket{path="/a",le="1"} 3',
        'req_seconds_bucket{path="/a",le="+Inf"} 4',
        'req_seconds_sum{path="/a"} 2.5',
        'req_seconds_count{path="/a"} 4',
        'req_seconds_bucket{path="/b",le="0.1"} 0',
        'req_seconds_bucket{path="/b",le="1"} 0',
        'req_seconds_bucket{path="/b",le="+Inf"} 7',
        'req_seconds_sum{path="/b"} 70',
        'req_seconds_count{path="/b"} 7',
        '# TYPE rpc_seconds summary',
        'rpc_seconds{op="get",quantile="0.5"} 0.2',
        'rpc_seconds{op="get",quantile="0.99"} 0.9',
        'rpc_seconds_sum{op="get"} 12',
        'rpc_seconds_count{op="get"} 40',
        '# TYPE jobs_total counter',
        'jobs_total{queue="q1"} 5 1699999999000',
        '# TYPE temp_celsius gauge',
        'temp_celsius{device="sda"} -Inf',
        'untyped_thing NaN',
        'last_line_without_newline 42',
      ].join('\n'),
      { site: 'north' },
    )
    expect(refused).toEqual([])
    expect(got.get('req_seconds_bucket,le=+Inf,path=/a,site=north')).toEqual(['histogram', NOW, 4])
    expect(got.get('req_seconds_bucket,le=0.1,path=/b,site=north')).toEqual(['histogram', NOW, 0])
    expect(got.get('req_seconds_sum,path=/b,site=north')).toEqual(['histogram', NOW, 70])
    expect(got.get('req_seconds_count,path=/a,site=north')).toEqual(['histogram', NOW, 4])
    expect(got.get('rpc_seconds,op=get,quantile=0.99,site=north')).toEqual(['summary', NOW, 0.9])
    expect(got.get('rpc_seconds_count,op=get,site=north')).toEqual(['summary', NOW, 40])
    expect(got.get('jobs_total,queue=q1,site=north')).toEqual(['counter', 1_699_999_999_000, 5])
    // The hub sets `device` itself, so the target's own label is kept under another name.
    expect(got.get('temp_celsius,exported_device=sda,site=north')).toEqual(['gauge', NOW, -Infinity])
    expect(got.get('untyped_thing,site=north')?.[2]).toBeNaN()
    expect(got.get('last_line_without_newline,site=north')).toEqual(['gauge', NOW, 42])
    expect(got.size).toBe(18)
  })

  it('refuses histograms whose buckets do not add up, and keeps the valid families', () => {
    const { refused, got } = convert(
      [
        '# TYPE falling histogram',
        'falling_bucket{le="1"} 5',
        'falling_bucket{le="2"} 3',
        'falling_bucket{le="+Inf"} 5',
        'falling_count 5',
        '# TYPE miscounted histogram',
        'miscounted_bucket{le="1"} 1',
        'miscounted_bucket{le="+Inf"} 2',
        'miscounted_count 3',
        '# TYPE endless histogram',
        'endless_bucket{le="1"} 1',
        'endless_count 1',
        '# TYPE good histogram',
        'good_bucket{le="1"} 1',
        'good_bucket{le="+Inf"} 2',
        'good_count 2',
        '# TYPE ok_total counter',
        'ok_total 1',
        '',
      ].join('\n'),
    )
    expect(refused.map((r) => [r.family, r.reason])).toEqual([
      ['falling', 'bad_histogram'],
      ['miscounted', 'bad_histogram'],
      ['endless', 'bad_histogram'],
    ])
    expect(refused[0].message).toMatch(/not cumulative/)
    expect(refused[1].message).toMatch(/\+Inf bucket 2 differs from _count 3/)
    expect(refused[2].message).toMatch(/no le="\+Inf" bucket/)
    expect([...got.keys()].sort()).toEqual(['good_bucket,le=+Inf', 'good_bucket,le=1', 'good_count', 'ok_total'])
  })

  it('a malformed line fails the whole parse; a non-numeric value is skipped and counted', () => {
    expect(() => parseExposition('# TYPE x counter extra\nx 1\n')).toThrow(/invalid line/i)
    const parsed = parseExposition('a 1\nb not-a-number\n')
    expect(parsed.badValues).toBe(1)
    expect(parsed.samples.map((s) => s.name)).toEqual(['a'])
  })
})
