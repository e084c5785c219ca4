import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir } from '../../helpers/temp.js'
import { api } from '../../security/support.js'
import { makeBatch, samplesOf } from './store/batches.js'

const T0 = Date.now() - 30 * 60_000

describe('device labels are labels of every series of the device, and filters of the API (applied at query time)', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
    for (const [k, dev] of ['pump-1', 'pump-2', 'pump-3'].entries()) {
      await hub.hub.store.ingest(makeBatch({ dev, seq: 1, samples: samplesOf('pump_pressure_bars', { pump: 'p' }, T0, 60, 10_000, k + 1) }))
    }
    // A series with its own `site` label: its own value wins over the device's.
    await hub.hub.store.ingest(makeBatch({ dev: 'pump-3', seq: 2, samples: samplesOf('pump_flow', { site: 'own' }, T0, 60, 10_000, 7) }))
    const r = await api(hub, 'POST', '/v1/devices', undefined, {
      devices: [
        { id: 'pump-1', labels: { site: 'north', model: 'x1' } },
        { id: 'pump-2', labels: { site: 'north', model: 'x2' } },
        { id: 'pump-3', labels: { site: 'south', model: 'x1' } },
      ],
    })
    expect(r.status).toBe(201)
  })
  afterAll(async () => {
    await hub?.stop()
    await dir?.cleanup()
  })

  it('/v1/metrics/series and /v1/metrics/query: device labels on the series, label.K filters by them, groupBy groups by them', async () => {
    const series = (await hub.get('/v1/metrics/series?name=pump_pressure_bars')).body.series
    expect(series.map((s: { labels: Record<string, string> }) => s.labels).sort((a: any, b: any) => a.device.localeCompare(b.device))).toEqual([
      { device: 'pump-1', pump: 'p', site: 'north', model: 'x1' },
      { device: 'pump-2', pump: 'p', site: 'north', model: 'x2' },
      { device: 'pump-3', pump: 'p', site: 'south', model: 'x1' },
    ])
    const north = (await hub.get('/v1/metrics/query?name=pump_pressure_bars&label.site=north&from=-1h&step=1h&agg=count')).body.series
    expect(north.map((s: any) => s.labels.device).sort()).toEqual(['pump-1', 'pump-2'])
    const bySite = (await hub.get('/v1/metrics/query?name=pump_pressure_bars&from=-1h&step=1h&agg=avg&groupBy=site')).body.series
    expect(bySite.map((s: any) => s.labels).sort((a: any, b: any) => a.site.localeCompare(b.site))).toEqual([{ site: 'north' }, { site: 'south' }])
    const flow = (await hub.get('/v1/metrics/series?name=pump_flow')).body.series
    expect(flow[0].labels).toMatchObject({ device: 'pump-3', site: 'own', model: 'x1' })
    expect((await hub.get('/v1/metrics/series?name=pump_flow&label.site=south')).body.series).toEqual([])
  })

  it('PromQL sees them too: matchers, sum by (site); relabelling a device changes its series at once', async () => {
    const q = async (query: string) => (await hub.get(`/prometheus/api/v1/query?${new URLSearchParams({ query, time: String((T0 + 50 * 10_000) / 1000) })}`)).body
    const sum = await q('count by (site) (pump_pressure_bars)')
    expect(sum.status).toBe('success')
    expect(Object.fromEntries(sum.data.result.map((r: any) => [r.metric.site, r.value[1]]))).toEqual({ north: '2', south: '1' })
    const x1 = await q('pump_pressure_bars{model="x1", site=~"n.*"}')
    expect(x1.data.result.map((r: any) => r.metric.device)).toEqual(['pump-1'])
    expect((await api(hub, 'PUT', '/v1/devices/pump-2/labels', undefined, { labels: { site: 'south' } })).status).toBe(200)
    const after = await q('count by (site) (pump_pressure_bars)')
    expect(Object.fromEntries(after.data.result.map((r: any) => [r.metric.site, r.value[1]]))).toEqual({ north: '1', south: '2' })
  })
})
