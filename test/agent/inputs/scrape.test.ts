import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Agent } from '../../../agent/agent.js'
import { ScrapeInput, scrapeInputPlugin } from '../../../agent/inputs/scrape/index.js'
import { parseOptions } from '../../../kit/options.js'
import { makeTestAgent } from '../../helpers/agent.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'

/** A local exporter serving fixed Prometheus text. */
async function serveText(text: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
    res.end(text)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/metrics`, close: () => new Promise((r) => server.close(() => r())) }
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((r) => server.close(r))
  return port
}

describe('Prometheus scrape to a real hub', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  let agent: Agent | undefined

  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
  })
  afterEach(async () => {
    await agent?.stop()
    agent = undefined
    await hub.stop()
    await dir.cleanup()
  })

  const startAgent = async (entries: Record<string, unknown>[]) => {
    const inputs = entries.map((raw, k) => new ScrapeInput(parseOptions(scrapeInputPlugin.options, { interval: '200ms', timeout: '1s', ...raw }, `scrape[${k}]`)))
    agent = makeTestAgent(dir.dir, hub.mqttUrl, { inputs, autoCollect: false, listen: '127.0.0.1:0' })
    await agent.start()
    return agent
  }
  const query = async (q: string, agg = 'last') => {
    const r = await hub.get(`/v1/metrics/query?${q}&from=-5m&step=1s&agg=${agg}`)
    return r.status === 200 && r.body.series.length > 0 ? (r.body.series as Array<{ labels: Record<string, string>; points: [number, number][] }>) : undefined
  }
  const agentMetrics = async (a: Agent) => {
    const { host, port } = a.listenerAddress()!
    return (await fetch(`http://${host}:${port}/metrics`)).text()
  }

  it("the hub's own /metrics, scraped for real, becomes queryable series on the hub", async () => {
    const url = `${hub.apiUrl}/metrics`
    await startAgent([{ url, labels: { job: 'hub' } }])
    // The scrape batches themselves count on the hub, so its batch counter shows up and grows.
    const batches = await waitFor(async () => {
      const series = await query('name=outpost_hub_batches_total&label.job=hub')
      return series && series[0].points.some(([, v]) => v >= 2) && series
    }, 15_000, 'outpost_hub_batches_total scraped from the hub')
    expect(batches[0].labels).toMatchObject({ device: 'dev-1', job: 'hub' })
    const up = await query(`name=outpost_scrape_up&label.url=${encodeURIComponent(url)}`)
    expect(up?.[0].points.at(-1)?.[1]).toBe(1)
    // The hub's ingest-time histogram arrives as buckets the hub turns into a percentile.
    const p95 = await waitFor(() => query('name=outpost_hub_ingest_seconds&label.job=hub', 'p95'), 15_000, 'histogram percentile')
    expect(p95[0].points.length).toBeGreaterThan(0)
    const buckets = await hub.get('/v1/metrics/series?name=outpost_hub_ingest_seconds_bucket')
    expect(buckets.status).toBe(200)
    expect(JSON.stringify(buckets.body)).toContain('"le":"+Inf"')
  }, 40_000)

  it('a histogram whose buckets do not add up is refused and counted; the valid families are kept', async () => {
    const exporter = await serveText(
      [
        '# TYPE pump_flow_litres histogram',
        'pump_flow_litres_bucket{le="1"} 9',
        'pump_flow_litres_bucket{le="5"} 4',
        'pump_flow_litres_bucket{le="+Inf"} 9',
        'pump_flow_litres_sum 20',
        'pump_flow_litres_count 9',
        '# TYPE pump_runs_total counter',
        'pump_runs_total 17',
        '# TYPE pump_pressure_bar gauge',
        'pump_pressure_bar 2.5',
        '',
      ].join('\n'),
    )
    try {
      const running = await startAgent([{ url: exporter.url }])
      const runs = await waitFor(() => query('name=pump_runs_total'), 15_000, 'valid counter on the hub')
      expect(runs[0].points.at(-1)?.[1]).toBe(17)
      expect((await query('name=pump_pressure_bar'))?.[0].points.at(-1)?.[1]).toBe(2.5)
      expect(await query('name=pump_flow_litres_bucket')).toBeUndefined()
      expect(await query('name=pump_flow_litres_count')).toBeUndefined()
      expect(await agentMetrics(running)).toMatch(/^outpost_agent_scrape_errors_total\{reason="bad_histogram"\} [1-9]/m)
    } finally {
      await exporter.close()
    }
  }, 30_000)

  it('an unreachable target is counted and reported as outpost_scrape_up 0', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/metrics`
    const running = await startAgent([{ url }])
    const up = await waitFor(() => query('name=outpost_scrape_up'), 15_000, 'up sample on the hub')
    expect(up[0].labels).toMatchObject({ url, device: 'dev-1' })
    expect(up[0].points.every(([, v]) => v === 0)).toBe(true)
    expect(await agentMetrics(running)).toMatch(/^outpost_agent_scrape_errors_total\{reason="unreachable"\} [1-9]/m)
  }, 30_000)
})
