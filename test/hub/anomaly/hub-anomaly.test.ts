// Issue 18 end to end on a real hub process: an `anomaly` rule fires and resolves on real ingest and its episode is
// listed by /v1/anomalies (none fires while the baseline is younger than minHistory), and the same sample stream
// gives the same scores when the hub is killed with SIGKILL halfway and restarted.
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TEST_ADMIN_TOKEN } from '../../helpers/hub.js'
import { spawnOutpost, type Proc } from '../../helpers/processes.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { api, newDeviceToken, TestDevice } from '../../helpers/alerts.js'
import { gaussian, rng } from './synthetic.js'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  await new Promise((r) => server.close(r))
  return port
}

const METRIC = 'pump_pressure_bars'
const N = 1200
/** Samples a second apart ending about now, so alert evidence is fresh (docs/alerts.md). */
const T0 = Math.floor(Date.now() / 1000) * 1000 - N * 1000

/**
 * The stream: noise around 3 bar, a spike at 500 (inside minHistory) and a larger one at 1000 (after it): the default
 * detector (`context`, with `rarity` inside) judges a deviation by the series' own history, so the second spike must
 * outdo the first.
 */
function stream(): Array<{ ts: number; value: number }> {
  const g = gaussian(rng(42))
  return Array.from({ length: N }, (_, i) => ({ ts: T0 + i * 1000, value: Math.round((3 + 0.05 * g() + (i === 500 ? 2 : i === 1000 ? 3 : 0)) * 1000) / 1000 }))
}

interface Hub {
  proc: Proc
  apiUrl: string
  mqttUrl: string
}

describe('anomaly detection on a real hub process', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const procs: Proc[] = []
  const devices: TestDevice[] = []
  afterEach(async () => {
    for (const d of devices.splice(0)) await d.close().catch(() => {})
    for (const p of procs.splice(0)) await p.stop('SIGKILL')
    await dir?.cleanup()
  })

  async function startHub(data: string, ports: { mqtt: number; http: number }, extra: string[] = [], env: Record<string, string> = {}): Promise<Hub> {
    const args = ['hub', '--host', '127.0.0.1', '--mqtt-port', String(ports.mqtt), '--http-port', String(ports.http), '--data', data, ...extra]
    const proc = spawnOutpost(args, { OUTPOST_ADMIN_TOKEN: TEST_ADMIN_TOKEN, OUTPOST_ALERTS_EVAL_INTERVAL: '200ms', ...env })
    procs.push(proc)
    await proc.waitFor(/API on http/, 30_000)
    return { proc, apiUrl: `http://127.0.0.1:${ports.http}`, mqttUrl: `mqtt://127.0.0.1:${ports.mqtt}` }
  }

  async function device(hub: Hub, id: string, token: string): Promise<TestDevice> {
    const d = await TestDevice.connect(hub.mqttUrl, id, token)
    devices.push(d)
    return d
  }

  /** Sends samples [from, to) in batches of 50 and waits until the hub has stored them all. */
  async function send(hub: Hub, d: TestDevice, samples: Array<{ ts: number; value: number }>, from: number, to: number): Promise<void> {
    for (let i = from; i < to; i += 50) {
      await d.send({ metrics: samples.slice(i, Math.min(to, i + 50)).map((s) => ({ name: METRIC, labels: { pump: 'p1' }, ts: s.ts, value: s.value })) })
    }
    await waitFor(
      async () => (await api(hub.apiUrl).get(`/v1/metrics/stats?name=${METRIC}&from=${T0}&to=${T0 + N * 1000}`)).body?.count === to,
      30_000,
      `${to} samples stored`,
    )
  }

  /** The series' scores once `count` samples are scored (the engine scores them after they are stored). */
  async function scores(hub: Hub, count: number): Promise<Array<[number, number]>> {
    return waitFor(async () => {
      const r = await api(hub.apiUrl).get(`/v1/metrics/query?name=${METRIC}&from=${T0}&to=${T0 + N * 1000}&step=1s&agg=anomaly_score`)
      expect(r.status).toBe(200)
      const points: Array<[number, number]> = r.body.series[0]?.points ?? []
      return points.length === count && points
    }, 30_000, `${count} scores`)
  }

  it('an anomaly rule fires and resolves on real ingest, not before minHistory, and the event is in /v1/anomalies', async () => {
    dir = await tempDir()
    const rules = join(dir.dir, 'rules.yaml')
    await writeFile(
      rules,
      `- id: pressure-odd\n  kind: anomaly\n  metric: ${METRIC}\n  match: {pump: p1}\n  sensitivity: medium\n  minHistory: 700s\n  severity: high\n`,
    )
    const hub = await startHub(join(dir.dir, 'hub'), { mqtt: await freePort(), http: await freePort() }, ['--rules', rules], { OUTPOST_ANOMALY_DETECT: 'none' })
    const d = await device(hub, 'pump-1', await newDeviceToken(hub.apiUrl, 'pump-1'))
    const samples = stream()
    await send(hub, d, samples, 0, N)

    // Both spikes are anomaly events; only the one after minHistory (700 s of learning) became an alert. Before it the
    // default detector may also record the noise's first visits to the edges of its young range (hub/anomaly/context/).
    const events = await waitFor(async () => {
      const r = await api(hub.apiUrl).get(`/v1/anomalies?device=pump-1&name=${METRIC}&label.pump=p1&from=${T0}&minScore=0.85`)
      return r.body.events?.some((e: { start: number }) => e.start === T0 + 1_000_000) && r.body.events
    }, 30_000, 'two anomaly events')
    const starts = events.map((e: { start: number }) => (e.start - T0) / 1000).sort((a: number, b: number) => a - b)
    expect(starts).toContain(500)
    expect(starts.filter((t: number) => t >= 700)).toEqual([1000])
    const spike = events.find((e: { start: number }) => e.start === T0 + 1_000_000)
    expect(spike).toMatchObject({ device: 'pump-1', name: METRIC, labels: { pump: 'p1', device: 'pump-1' }, value: samples[1000].value })
    expect(spike.maxScore).toBeGreaterThanOrEqual(0.85)
    expect(spike.expected).toBeCloseTo(3, 1)
    expect(spike.band[0]).toBeLessThan(3)
    expect(spike.band[1]).toBeGreaterThan(3)
    expect(spike.band[1]).toBeLessThan(samples[1000].value)

    const alerts = await waitFor(async () => {
      const r = await api(hub.apiUrl).get('/v1/alerts?rule=pressure-odd')
      return r.body.alerts?.length >= 1 && r.body.alerts.every((a: { state: string }) => a.state === 'resolved') && r.body.alerts
    }, 30_000, 'the anomaly alert fired and resolved')
    expect(alerts).toHaveLength(1)
    expect(alerts[0].startsAt).toBeGreaterThanOrEqual(T0 + 1_000_000)
    expect(alerts[0].labels).toMatchObject({ pump: 'p1', device: 'pump-1' })

    // The device reports its share of anomalous series; none is anomalous at the end.
    const dev = (await api(hub.apiUrl).get('/v1/devices/pump-1')).body
    expect(dev.anomalyRate).toBe(0)
    const s = await scores(hub, N)
    expect(s.find(([t]) => t === T0 + 1_000_000)?.[1]).toBeGreaterThanOrEqual(0.85)
  }, 120_000)

  it('the same stream gives the same scores across a SIGKILL and restart of the hub', async () => {
    dir = await tempDir()
    const samples = stream()
    const env = { OUTPOST_ANOMALY_DETECT: 'pump_*', OUTPOST_ANOMALY_CHECKPOINT: '2s' }

    // Reference: one hub, the whole stream.
    const refPorts = { mqtt: await freePort(), http: await freePort() }
    const ref = await startHub(join(dir.dir, 'ref'), refPorts, [], env)
    const refDevice = await device(ref, 'pump-1', await newDeviceToken(ref.apiUrl, 'pump-1'))
    await send(ref, refDevice, samples, 0, N)
    const expected = await scores(ref, N)
    expect(Math.max(...expected.map(([, v]) => v))).toBeGreaterThan(0.5)

    // Killed: the first part, a checkpoint, more samples that are stored and scored but not checkpointed, kill -9.
    const ports = { mqtt: await freePort(), http: await freePort() }
    const data = join(dir.dir, 'killed')
    let hub = await startHub(data, ports, [], { ...env, OUTPOST_ANOMALY_CHECKPOINT: '1h' })
    const token = await newDeviceToken(hub.apiUrl, 'pump-1')
    let d = await device(hub, 'pump-1', token)
    await send(hub, d, samples, 0, 550)
    await scores(hub, 550) // a read writes a checkpoint first
    await send(hub, d, samples, 550, 840)
    hub.proc.child.kill('SIGKILL')
    await hub.proc.exited
    await d.close().catch(() => {})

    hub = await startHub(data, ports, [], env)
    d = await device(hub, 'pump-1', token)
    await send(hub, d, samples, 840, N)
    expect(await scores(hub, N)).toEqual(expected)
  }, 180_000)
})
