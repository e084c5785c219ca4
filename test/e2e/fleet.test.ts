import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Level } from 'level'
import { LevelMetricStore } from '../../hub/metrics/store/index.js'
import { FleetSimulator } from '../../cli/fleet/simulator.js'
import { PROBE_METRIC } from '../../cli/fleet/device.js'
import { simulatedIds } from '../../cli/simulate.js'
import { runOutpost, spawnOutpost, type Proc } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'
import { freePort } from '../delivery/harness.js'

const ADMIN = 'fleet-admin-token-0123456789abcdef'
// 1,000 connections in the fleet test; the storm test's kill, backlog and restart take 300 devices (minutes at 1,000
// on a loaded 2-core CI machine); the bench's fleet section runs both at 10,000.
const DEVICES = Number(process.env.OUTPOST_FLEET_TEST_DEVICES ?? 1000)
const STORM_DEVICES = Number(process.env.OUTPOST_STORM_TEST_DEVICES ?? 300)

type HubProc = Proc & { api: string }

/** `outpost hub` with MQTT passwords required (tokens checked by HMAC), on a fixed MQTT port so it can come back there. */
async function startHub(data: string, mqttPort: number): Promise<HubProc> {
  const proc = spawnOutpost(['hub', '--host', '127.0.0.1', '--mqtt-port', String(mqttPort), '--http-port', '0', '--data', data, '--log-level', 'warning'], { OUTPOST_ADMIN_TOKEN: ADMIN })
  const m = await proc.waitFor(/API on (http:\/\/127\.0\.0\.1:\d+)/, 30_000)
  return Object.assign(proc, { api: m[1] })
}

/** Resident and peak resident memory of a process (Linux /proc), MiB. */
function memoryOf(pid: number): { rssMiB: number; peakMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rssMiB: kib('VmRSS') / 1024, peakMiB: kib('VmHWM') / 1024 }
}

async function call(hub: HubProc, method: string, path: string, body?: unknown) {
  const res = await fetch(hub.api + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text() }
}

async function limitedCount(hub: HubProc, reason: string): Promise<number> {
  const text = (await (await fetch(`${hub.api}/metrics`)).text()) as string
  return Number(new RegExp(`outpost_hub_limited_total\\{reason="${reason}"\\} (\\d+)`).exec(text)?.[1] ?? NaN)
}

/** Opens the stopped hub's LevelDB: per device, how often each probe value was stored. */
async function storedProbes(hubData: string): Promise<Map<string, Map<number, number>>> {
  const db = new Level<string, any>(hubData, { valueEncoding: 'json' })
  await db.open()
  const store = new LevelMetricStore(db)
  await store.open()
  const byDevice = new Map<string, Map<number, number>>()
  try {
    const series = await store.series({ name: PROBE_METRIC })
    for (const s of await store.read(series, 0, Number.MAX_SAFE_INTEGER)) {
      const device = s.series.labels.device
      const counts = byDevice.get(device) ?? new Map<number, number>()
      byDevice.set(device, counts)
      for (const v of s.values) counts.set(v, (counts.get(v) ?? 0) + 1)
    }
  } finally {
    await store.close()
    await db.close()
  }
  return byDevice
}

describe(`a fleet on one hub (real MQTT connections, hub in its own process)`, { timeout: 300_000 }, () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: HubProc | undefined
  let sim: FleetSimulator | undefined
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await sim?.stop()
    await hub?.stop('SIGKILL')
    sim = hub = undefined
    await dir.cleanup()
  })

  it(`outpost simulate --buffer memory --devices ${DEVICES}: every device connects with its own token and every batch is acked`, async () => {
    const mqttPort = await freePort()
    hub = await startHub(join(dir.dir, 'hub'), mqttPort)
    const baseline = memoryOf(hub.child.pid!)
    const run = await runOutpost(
      ['simulate', '--buffer', 'memory', '--devices', String(DEVICES), '--series', '5', '--interval', '2s', '--duration', '4s', '--hub', `mqtt://127.0.0.1:${mqttPort}`, '--api', hub.api, '--admin-token', ADMIN, '--json', 'true'],
      {},
      240_000,
    )
    expect(run.code, run.output).toBe(0)
    const report = JSON.parse(run.output.trim().split('\n').pop()!)
    const mem = memoryOf(hub.child.pid!)
    console.log(
      `fleet: ${DEVICES} devices online in ${(report.timeToAllOnlineMs / 1000).toFixed(2)} s; ${report.batches} batches acked ${report.acked}; ` +
        `publish-to-ack p50 ${report.ackP50Ms.toFixed(1)} ms p99 ${report.ackP99Ms.toFixed(1)} ms; hub RSS ${mem.rssMiB.toFixed(0)} MiB (peak ${mem.peakMiB.toFixed(0)}, idle before ${baseline.rssMiB.toFixed(0)}), ` +
        `${(((mem.peakMiB - baseline.rssMiB) * 1024) / DEVICES).toFixed(1)} KiB per device; simulator RSS ${(report.rssBytes / 2 ** 20).toFixed(0)} MiB`,
    )
    expect(report).toMatchObject({ devices: DEVICES, unacked: 0, banned: 0 })
    // Ticks fall on 2 s boundaries (agent/boundary-timer.ts): a device that came online late in the window may send
    // one batch fewer; each sent at least one.
    expect(report.batches).toBeGreaterThanOrEqual(DEVICES)
    expect(report.acked).toBe(report.batches)
    // The hub's side: every device known, with every batch counted once.
    const list = await call(hub, 'GET', '/v1/devices?q=sim-&limit=1')
    expect(list.body.total).toBe(DEVICES)
    expect(list.body.counts.samples).toBe(report.samples)
    expect(await limitedCount(hub, 'connect_banned')).toBe(0)
  })

  it(`reconnect storm of ${STORM_DEVICES} devices: kill -9 of the hub with a backlog building, restart: every device back, backlog acked, none banned, nothing lost or doubled`, async () => {
    const mqttPort = await freePort()
    const hubData = join(dir.dir, 'hub')
    hub = await startHub(hubData, mqttPort)
    const ids = simulatedIds({ devices: STORM_DEVICES, idPrefix: 'storm-' })
    const made = await call(hub, 'POST', '/v1/devices', { devices: ids.map((id) => ({ id })) })
    expect(made.status).toBe(201)
    const tokens = Object.fromEntries((made.body.devices as Array<{ id: string; token: string }>).map((d) => [d.id, d.token]))
    sim = new FleetSimulator({ ids, hub: `mqtt://127.0.0.1:${mqttPort}`, tokens, series: 3, intervalMs: 1000, version: 'test', reconnectBaseMs: 200, reconnectMaxMs: 3_000 })
    sim.start()
    expect(await sim.until(() => sim!.online() === STORM_DEVICES, 120_000), `online: ${sim.online()}`).toBe(true)
    const ticked = (n: number) => sim!.devices.every((d) => d.produced >= n)
    expect(await sim.until(() => ticked(2) && sim!.unacked() === 0, 60_000), `unacked: ${sim.unacked()}`).toBe(true)

    await hub.stop('SIGKILL')
    // Hub down: every device keeps producing; its batches wait unacked.
    const before = sim.devices.map((d) => d.produced)
    expect(await sim.until(() => sim!.devices.every((d, k) => d.produced >= before[k] + 3), 30_000)).toBe(true)
    expect(sim.unacked()).toBeGreaterThanOrEqual(STORM_DEVICES * 3)

    const restart = performance.now()
    hub = await startHub(hubData, mqttPort)
    sim.resetPhase()
    expect(await sim.until(() => sim!.online() === STORM_DEVICES, 120_000), `online after restart: ${sim.online()}`).toBe(true)
    expect(await sim.until(() => sim!.unacked() === 0, 120_000), `unacked after restart: ${sim.unacked()}; hub output:\n${hub.output().slice(-3000)}`).toBe(true)
    const backMs = performance.now() - restart
    expect(await limitedCount(hub, 'connect_banned')).toBe(0)
    sim.pause()
    // The last tick may still be in flight: settle, then every batch produced is acked.
    expect(await sim.until(() => sim!.unacked() === 0, 60_000)).toBe(true)
    const report = sim.report()
    const mem = memoryOf(hub.child.pid!)
    console.log(
      `reconnect storm: ${STORM_DEVICES} devices back and backlog acked ${(backMs / 1000).toFixed(2)} s after the restart ` +
        `(hub start included); ${report.connects} connects, ${report.banned} banned; hub RSS ${mem.rssMiB.toFixed(0)} MiB`,
    )
    expect(report.banned).toBe(0)
    await sim.stop()
    const produced = new Map(sim.devices.map((d) => [d.id, d.produced]))
    sim = undefined
    expect(await hub.stop('SIGTERM')).toBe(0)
    hub = undefined

    const stored = await storedProbes(hubData)
    let lost = 0
    let doubled = 0
    let unexpected = 0
    for (const [id, n] of produced) {
      const counts = stored.get(id) ?? new Map<number, number>()
      for (let v = 1; v <= n; v++) if (!counts.has(v)) lost++
      for (const [v, c] of counts) {
        if (c > 1) doubled += c - 1
        if (v < 1 || v > n) unexpected++
      }
    }
    expect({ devices: stored.size, lost, doubled, unexpected }).toEqual({ devices: STORM_DEVICES, lost: 0, doubled: 0, unexpected: 0 })
  })
})
