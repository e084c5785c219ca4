import { describe, expect, it } from 'vitest'
import { BufferFullError } from '../../../agent/buffer/types.js'
import { decodeResponse } from './response.js'
import { NOW, attr, nanos, otlpApp, post, request, sampleLines, samplesOf, str, type Encoding } from './harness.js'

const T = nanos(NOW)
const point = (value: number, attrs: unknown[] = [], ts = T) => ({ timeUnixNano: ts, asDouble: value, attributes: attrs })
const intPoint = (value: number, attrs: unknown[] = []) => ({ timeUnixNano: T, asInt: String(value), attributes: attrs })

function histogramPoint(overrides: Record<string, unknown> = {}) {
  return { timeUnixNano: T, count: '6', sum: 12.5, explicitBounds: [1, 5], bucketCounts: ['1', '3', '2'], attributes: [str('route', '/a')], ...overrides }
}

describe.each<Encoding>(['json', 'protobuf'])('OTLP metrics over %s', (encoding) => {
  it('a gauge keeps its name made Prometheus-safe, its unit, its attributes as labels and the service label', async () => {
    const { app, accepted } = otlpApp()
    const metric = { name: 'pump.temperature-celsius', unit: 'Cel', gauge: { dataPoints: [point(21.5, [str('pump.id', '7')])] } }
    const res = await post(app, 'metrics', request('Metrics', [metric], { service: 'pump-api' }), { encoding })
    expect(res.status).toBe(200)
    expect(decodeResponse('metrics', encoding, res.body)).toEqual({})
    expect(samplesOf(accepted[0].m)).toEqual([
      { name: 'pump_temperature_celsius', type: 'gauge', labels: { pump_id: '7', service: 'pump-api' }, unit: 'Cel', ts: NOW, value: 21.5 },
    ])
  })

  it('a monotonic cumulative sum is a counter named _total; a non-monotonic sum is a gauge', async () => {
    const { app, accepted } = otlpApp()
    const metrics = [
      { name: 'requests', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [intPoint(42, [str('code', '200')])] } },
      { name: 'bytes_total', sum: { isMonotonic: true, aggregationTemporality: 2, dataPoints: [intPoint(10)] } },
      { name: 'queue.depth', sum: { isMonotonic: false, aggregationTemporality: 2, dataPoints: [point(-3)] } },
    ]
    await post(app, 'metrics', request('Metrics', metrics), { encoding })
    const types = Object.fromEntries(samplesOf(accepted[0].m).map((s) => [s.name, s.type]))
    expect(types).toEqual({ requests_total: 'counter', bytes_total: 'counter', queue_depth: 'gauge' })
    expect(sampleLines(accepted[0].m)).toEqual(['bytes_total{} 10', 'queue_depth{} -3', 'requests_total{code=200} 42'])
  })

  it('delta sums are added up per series into a running total', async () => {
    const { app, accepted } = otlpApp()
    const delta = (v: number, code: string) => ({ name: 'requests', sum: { isMonotonic: true, aggregationTemporality: 1, dataPoints: [intPoint(v, [str('code', code)])] } })
    await post(app, 'metrics', request('Metrics', [delta(5, '200'), delta(1, '500')]), { encoding })
    await post(app, 'metrics', request('Metrics', [delta(3, '200')]), { encoding })
    expect(sampleLines(accepted[0].m)).toEqual(['requests_total{code=200} 5', 'requests_total{code=500} 1'])
    expect(sampleLines(accepted[1].m)).toEqual(['requests_total{code=200} 8'])
  })

  it('a histogram becomes cumulative _bucket{le} series with _sum and _count', async () => {
    const { app, accepted } = otlpApp()
    const metric = { name: 'http.server.duration', unit: 'ms', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint()] } }
    await post(app, 'metrics', request('Metrics', [metric], { service: 'api' }), { encoding })
    const samples = samplesOf(accepted[0].m)
    expect(new Set(samples.map((s) => s.type))).toEqual(new Set(['histogram']))
    expect(sampleLines(accepted[0].m)).toEqual([
      'http_server_duration_bucket{le=+Inf,route=/a,service=api} 6',
      'http_server_duration_bucket{le=1,route=/a,service=api} 1',
      'http_server_duration_bucket{le=5,route=/a,service=api} 4',
      'http_server_duration_count{route=/a,service=api} 6',
      'http_server_duration_sum{route=/a,service=api} 12.5',
    ])
  })

  it('delta histograms are accumulated bucket by bucket', async () => {
    const { app, accepted } = otlpApp()
    const metric = (p: object) => ({ name: 'latency', histogram: { aggregationTemporality: 1, dataPoints: [p] } })
    await post(app, 'metrics', request('Metrics', [metric(histogramPoint())]), { encoding })
    await post(app, 'metrics', request('Metrics', [metric(histogramPoint({ count: '2', sum: 1, bucketCounts: ['2', '0', '0'] }))]), { encoding })
    expect(sampleLines(accepted[1].m)).toEqual([
      'latency_bucket{le=+Inf,route=/a} 8',
      'latency_bucket{le=1,route=/a} 3',
      'latency_bucket{le=5,route=/a} 6',
      'latency_count{route=/a} 8',
      'latency_sum{route=/a} 13.5',
    ])
  })

  it('a summary becomes {quantile} series with _sum and _count', async () => {
    const { app, accepted } = otlpApp()
    const p = { timeUnixNano: T, count: '10', sum: 55, quantileValues: [{ quantile: 0.5, value: 5 }, { quantile: 0.99, value: 9.9 }] }
    await post(app, 'metrics', request('Metrics', [{ name: 'rpc.latency', summary: { dataPoints: [p] } }]), { encoding })
    expect(new Set(samplesOf(accepted[0].m).map((s) => s.type))).toEqual(new Set(['summary']))
    expect(sampleLines(accepted[0].m)).toEqual(['rpc_latency_count{} 10', 'rpc_latency_sum{} 55', 'rpc_latency{quantile=0.5} 5', 'rpc_latency{quantile=0.99} 9.9'])
  })

  it('a histogram whose buckets do not add up is a 400 naming it', async () => {
    const { app, accepted } = otlpApp()
    const metric = { name: 'latency', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ count: '7' })] } }
    const res = await post(app, 'metrics', request('Metrics', [metric]), { encoding })
    expect(res.status).toBe(400)
    expect(res.body.error.message).toBe('resourceMetrics[0].scopeMetrics[0].metrics[0] "latency".histogram.dataPoints[0].bucketCounts: add up to 6 but count is 7')
    expect(accepted).toEqual([])
  })

  it('a histogram with one bucket too few is a 400 naming it', async () => {
    const { app } = otlpApp()
    const metric = { name: 'latency', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ bucketCounts: ['4', '2'] })] } }
    const res = await post(app, 'metrics', request('Metrics', [metric]), { encoding })
    expect(res.status).toBe(400)
    expect(res.body.error.message).toContain('dataPoints[0].bucketCounts: has 2 buckets for 2 explicitBounds; a histogram needs explicitBounds + 1')
  })

  it('exponential histograms are refused with a message saying what to configure', async () => {
    const { app } = otlpApp()
    const p = { timeUnixNano: T, count: '1', scale: 2, positive: { offset: 0, bucketCounts: ['1'] } }
    const res = await post(app, 'metrics', request('Metrics', [{ name: 'latency', exponentialHistogram: { aggregationTemporality: 2, dataPoints: [p] } }]), { encoding })
    expect(res.status).toBe(400)
    expect(res.body.error.message).toContain('"latency": exponential histograms are not supported')
  })

  it('keeps the valid points of a request and counts the others in partialSuccess', async () => {
    const { app, accepted } = otlpApp()
    const metrics = [
      { name: 'temp', gauge: { dataPoints: [point(20), { timeUnixNano: T, attributes: [str('x', '1')] }, point(21, [str('x', '2')])] } },
      { name: 'latency', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ count: '9' }), histogramPoint({ attributes: [] })] } },
      { name: 'nothing' },
    ]
    const res = await post(app, 'metrics', request('Metrics', metrics), { encoding })
    expect(res.status).toBe(200)
    const { partialSuccess } = decodeResponse('metrics', encoding, res.body)
    expect(Number(partialSuccess.rejectedDataPoints)).toBe(3)
    expect(partialSuccess.errorMessage).toContain('"temp".gauge.dataPoints[1]: has no value (asDouble or asInt)')
    expect(partialSuccess.errorMessage).toContain('"latency".histogram.dataPoints[0].bucketCounts: add up to 6 but count is 9')
    expect(partialSuccess.errorMessage).toContain('metrics[2] "nothing": has no data')
    expect(sampleLines(accepted[0].m)).toEqual([
      'latency_bucket{le=+Inf} 6',
      'latency_bucket{le=1} 1',
      'latency_bucket{le=5} 4',
      'latency_count{} 6',
      'latency_sum{} 12.5',
      'temp{x=2} 21',
      'temp{} 20',
    ])
  })
})

describe('OTLP metrics, details', () => {
  it('attributes that collide with labels the agent sets are kept as exported_*', async () => {
    const { app, accepted } = otlpApp()
    const attrs = [str('device', 'other'), str('service', 's2'), str('le', 'x'), attr('1st', { intValue: 1 })]
    const metric = { name: 'latency', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ attributes: attrs, bucketCounts: [], explicitBounds: [] })] } }
    await post(app, 'metrics', request('Metrics', [metric], { service: 'api' }))
    expect(sampleLines(accepted[0].m)).toEqual([
      'latency_bucket{exported_device=other,exported_le=x,exported_service=s2,key_1st=1,le=+Inf,service=api} 6',
      'latency_count{exported_device=other,exported_le=x,exported_service=s2,key_1st=1,service=api} 6',
      'latency_sum{exported_device=other,exported_le=x,exported_service=s2,key_1st=1,service=api} 12.5',
    ])
  })

  it('points flagged as having no recorded value are skipped, not refused; no timestamp means now', async () => {
    const { app, accepted } = otlpApp()
    const res = await post(app, 'metrics', request('Metrics', [{ name: 'temp', gauge: { dataPoints: [{ flags: 1, timeUnixNano: T }, { asDouble: 4 }] } }]))
    expect(res.body).toEqual({})
    expect(samplesOf(accepted[0].m)).toMatchObject([{ name: 'temp', ts: NOW, value: 4 }])
  })

  it('a delta total refused by a full buffer is not counted twice when the exporter retries', async () => {
    const { app, accepted, state } = otlpApp()
    const delta = { name: 'hits', sum: { isMonotonic: true, aggregationTemporality: 1, dataPoints: [intPoint(5)] } }
    state.fail = new BufferFullError('no room')
    const refused = await post(app, 'metrics', request('Metrics', [delta]))
    expect(refused.status).toBe(503)
    expect(refused.headers.get('retry-after')).toBe('3')
    state.fail = undefined
    await post(app, 'metrics', request('Metrics', [delta]))
    expect(sampleLines(accepted[0].m)).toEqual(['hits_total{} 5'])
  })

  it('a sum without a temporality is refused', async () => {
    const { app } = otlpApp()
    const res = await post(app, 'metrics', request('Metrics', [{ name: 'hits', sum: { isMonotonic: true, dataPoints: [intPoint(1)] } }]))
    expect(res.status).toBe(400)
    expect(res.body.error.message).toBe('resourceMetrics[0].scopeMetrics[0].metrics[0] "hits".sum.aggregationTemporality: must be DELTA (1) or CUMULATIVE (2)')
  })

  it('one series may not change type within a request', async () => {
    const { app, accepted } = otlpApp()
    const metrics = [
      { name: 'x.count', gauge: { dataPoints: [point(1)] } },
      { name: 'x', histogram: { aggregationTemporality: 2, dataPoints: [histogramPoint({ attributes: [] })] } },
    ]
    const res = await post(app, 'metrics', request('Metrics', metrics))
    expect(res.body.partialSuccess.errorMessage).toContain('series x_count is a gauge elsewhere in this request, not a histogram')
    expect(sampleLines(accepted[0].m)).toEqual(['x_count{} 1'])
  })
})
