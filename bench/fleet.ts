import os from 'node:os'
import { join } from 'node:path'
import { FleetSimulator } from '../cli/fleet/simulator.js'
import { simulatedIds } from '../cli/simulate.js'
import { scryptHash, verifyScrypt } from '../hub/security/token-hash.js'
import { cpuSeconds, freePort, rssMiB, sleep, startOutpost, stopOutpost, until, type BenchProcess } from './processes.js'

const ADMIN = 'bench-fleet-admin-token-0123456789'
/** OUTPOST_BENCH_NODE_FLAGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the hub (the restarted one: kill -9 writes none). */
const NODE_FLAGS = (process.env.OUTPOST_BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean)

export interface FleetBenchOptions {
  dir: string
  devices: number
  /** Synthetic series per device besides the probe: at a 1 s interval the fleet sends devices × (series + 1) samples/s. */
  series: number
  /** Steady window for RSS, CPU per device and publish-to-ack, ms. */
  windowMs: number
  /** Reporting interval of every device, ms. */
  intervalMs: number
  /** Another build's `dist/cli/outpost.js` to run as the hub (a baseline in the same run); default this build. */
  bin?: string
}

/** The reconnect storm's figures, for a baseline printed beside them. */
export interface StormResult {
  devices: number
  backlog: number
  /** From the restart (hub start included) to all devices online, and to every backlog acked, s. */
  backS: number
  ackedS: number
  /** Of which the hub's start until its API answered, s. */
  hubStartS: number
  connects: number
  banned: number
  /** CPU seconds of the hub and of the simulating process from the restart until all acked. */
  hubCpuS: number
  simCpuS: number
  load: number
}

async function startHub(data: string, mqttPort: number, bin?: string): Promise<{ proc: BenchProcess; api: string }> {
  const proc = startOutpost(['hub', '--host', '127.0.0.1', '--mqtt-port', String(mqttPort), '--http-port', '0', '--data', data, '--log-level', 'warning'], {
    OUTPOST_ADMIN_TOKEN: ADMIN,
    NODE_OPTIONS: '--max-old-space-size=4096',
  }, NODE_FLAGS, bin)
  const api = await until(() => /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.output())?.[1], 60_000, 'hub start')
  return { proc, api }
}

async function post(api: string, body: unknown): Promise<any> {
  const res = await fetch(`${api}/v1/devices`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
  if (res.status !== 201) throw new Error(`bench: POST /v1/devices ${res.status} ${await res.text()}`)
  return res.json()
}

/**
 * Issue 15's fleet: N devices, one real MQTT connection each, from this process (FleetSimulator) against an
 * `outpost hub` process with MQTT passwords: bulk provisioning, time to all online, hub RSS and CPU per device in a
 * steady window, publish-to-ack p50/p99 live, then a reconnect storm after kill -9 and a restart. Baselines in the
 * same run: provisioning one device per request, and what the storm would queue in scrypt (the hash before issue 15).
 */
export async function benchFleet(o: FleetBenchOptions): Promise<StormResult> {
  const out = (line: string) => console.log(line)
  const mqttPort = await freePort()
  const data = join(o.dir, 'hub')
  let hub = await startHub(data, mqttPort, o.bin)
  let sim: FleetSimulator | undefined
  // Waits on the fleet, failing at once (with the hub's output) should the hub process die meanwhile.
  const fleetUntil = (done: () => boolean, what: string) =>
    until(
      () => {
        if (hub.proc.child.exitCode !== null || hub.proc.child.signalCode !== null) throw new Error(`bench: the hub exited while waiting for ${what}:\n${hub.proc.output().slice(-4000)}`)
        return done() ? true : undefined
      },
      600_000,
      what,
      200,
    )
  try {
    const idle = await rssMiB(hub.proc.child.pid!)
    const ids = simulatedIds({ devices: o.devices, idPrefix: 'fleet-' })
    let t = performance.now()
    const tokens: Record<string, string> = {}
    for (let k = 0; k < ids.length; k += 50_000) {
      const r = await post(hub.api, { devices: ids.slice(k, k + 50_000).map((id) => ({ id, labels: { site: `site-${k % 10}` } })) })
      for (const d of r.devices as Array<{ id: string; token: string }>) tokens[d.id] = d.token
    }
    const bulkS = (performance.now() - t) / 1000
    t = performance.now()
    for (let k = 0; k < 200; k++) await post(hub.api, { id: `one-by-one-${k}` })
    const oneByOnePerDevice = (performance.now() - t) / 1000 / 200
    out(`  provisioning ${o.devices.toLocaleString('en')} devices      ${bulkS.toFixed(2)} s in bulk | baseline one per request ${(oneByOnePerDevice * 1000).toFixed(1)} ms/device → ${(oneByOnePerDevice * o.devices).toFixed(1)} s for the fleet`)

    sim = new FleetSimulator({ ids, hub: `mqtt://127.0.0.1:${mqttPort}`, tokens, series: o.series, intervalMs: o.intervalMs, version: 'bench', reconnectBaseMs: 500, reconnectMaxMs: 10_000 })
    const cpu0 = await cpuSeconds(hub.proc.child.pid!)
    sim.start()
    await fleetUntil(() => sim!.online() === o.devices, 'all devices online')
    const online = sim.report().timeToAllOnlineMs / 1000
    const connectCpu = (await cpuSeconds(hub.proc.child.pid!)) - cpu0
    out(`  time to all online            ${online.toFixed(1)} s (${o.devices.toLocaleString('en')} connects, hub CPU ${((connectCpu / o.devices) * 1000).toFixed(2)} ms per connect incl. its first batches)`)
    await fleetUntil(() => sim!.unacked() < o.devices, 'backlog of the connect phase acked')

    sim.resetPhase()
    const cpuA = await cpuSeconds(hub.proc.child.pid!)
    const tA = performance.now()
    await sleep(o.windowMs)
    const steady = sim.report()
    const cpuPerDeviceS = ((await cpuSeconds(hub.proc.child.pid!)) - cpuA) / ((performance.now() - tA) / 1000) / o.devices
    const rss = await rssMiB(hub.proc.child.pid!)
    const rate = (o.devices * (o.series + 1) * 1000) / o.intervalMs
    out(`  hub RSS                       ${rss.toFixed(0)} MiB with ${o.devices.toLocaleString('en')} online | idle before ${idle.toFixed(0)} MiB → ${(((rss - idle) * 1024) / o.devices).toFixed(1)} KiB per device (series included)`)
    out(`  hub CPU per device            ${(cpuPerDeviceS * 1e6).toFixed(0)} µs per second (${(cpuPerDeviceS * o.devices * 100).toFixed(0)}% of one core for the fleet at ${rate.toLocaleString('en')} samples/s)`)
    out(`  publish-to-ack live           p50 ${steady.ackP50Ms.toFixed(1)} ms, p99 ${steady.ackP99Ms.toFixed(1)} ms at ${rate.toLocaleString('en')} samples/s (${((o.devices * 1000) / o.intervalMs).toLocaleString('en')} batches/s)`)

    // The storm: kill -9 while every device is connected, a backlog builds for 1.5 intervals, restart on the same data.
    const stormConnects = sim.report().connects
    hub.proc.child.kill('SIGKILL')
    await hub.proc.exited
    await sleep(o.intervalMs * 1.5)
    const backlog = sim.unacked()
    const tR = performance.now()
    const simCpu0 = process.cpuUsage()
    hub = await startHub(data, mqttPort, o.bin)
    const hubStartS = (performance.now() - tR) / 1000
    sim.resetPhase()
    await fleetUntil(() => sim!.online() === o.devices, 'all devices back')
    const backS = (performance.now() - tR) / 1000
    await fleetUntil(() => sim!.unacked() < o.devices, 'storm backlog acked')
    const ackedS = (performance.now() - tR) / 1000
    const hubCpuS = await cpuSeconds(hub.proc.child.pid!)
    const simCpu = process.cpuUsage(simCpu0)
    const storm = sim.report()
    const scrypt = await scryptHash('x'.repeat(43))
    const t0 = performance.now()
    for (let k = 0; k < 10; k++) await verifyScrypt('x'.repeat(43), scrypt)
    const scryptMs = (performance.now() - t0) / 10
    out(`  reconnect storm (kill -9)     all ${o.devices.toLocaleString('en')} back ${backS.toFixed(1)} s after restart, backlog of ${backlog.toLocaleString('en')} batches acked at ${ackedS.toFixed(1)} s (hub start ${hubStartS.toFixed(1)} s included); ${storm.connects - stormConnects} connects, ${storm.banned} banned; CPU hub ${hubCpuS.toFixed(1)} s, simulator ${((simCpu.user + simCpu.system) / 1e6).toFixed(1)} s`)
    out(`                                baseline: scrypt verification before issue 15 would queue ${((o.devices * scryptMs) / 1000).toFixed(0)} s of hashing (${scryptMs.toFixed(1)} ms each, measured now)`)
    return {
      devices: o.devices,
      backlog,
      backS,
      ackedS,
      hubStartS,
      connects: storm.connects - stormConnects,
      banned: storm.banned,
      hubCpuS,
      simCpuS: (simCpu.user + simCpu.system) / 1e6,
      load: os.loadavg()[0],
    }
  } finally {
    await sim?.stop()
    await stopOutpost(hub.proc)
  }
}
