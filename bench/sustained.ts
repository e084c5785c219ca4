import os from 'node:os'
import { join } from 'node:path'
import { FleetSimulator } from '../cli/fleet/simulator.js'
import { simulatedIds } from '../cli/simulate.js'
import { cpuSeconds, freePort, rssMiB, sleep, startOutpost, stopOutpost, until } from './processes.js'

const ADMIN = 'bench-sustained-admin-token-0123456789'

export interface SustainedOptions {
  dir: string
  devices: number
  /** Synthetic series per device besides the probe. */
  series: number
  intervalMs: number
  durationMs: number
  /** How often a row is printed, ms. */
  everyMs: number
}

interface Row {
  atS: number
  rssMiB: number
  headSamples: number
  series: number
  dataDirMiB: number
  hubCpuPct: number
  ackP50Ms: number
  ackP99Ms: number
  samplesPerS: number
  unacked: number
  load: number
}

/**
 * Issue 15 item 7: a steady stream for minutes, with the hub's compaction and rollups running beside it: every row
 * (`everyMs`) the hub's RSS, its head (samples not yet in chunks), its data directory, its CPU, publish-to-ack
 * p50/p99 over the row's span and samples acked per second. The head and RSS must level off, not grow without bound.
 */
export async function benchSustained(o: SustainedOptions): Promise<Row[]> {
  const mqttPort = await freePort()
  const hub = startOutpost(['hub', '--host', '127.0.0.1', '--mqtt-port', String(mqttPort), '--http-port', '0', '--data', join(o.dir, 'hub'), '--log-level', 'warning'], {
    OUTPOST_ADMIN_TOKEN: ADMIN,
    NODE_OPTIONS: '--max-old-space-size=4096',
  })
  let sim: FleetSimulator | undefined
  try {
    const api = await until(() => /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(hub.output())?.[1], 120_000, 'hub start')
    const status = async () => (await (await fetch(`${api}/v1/status`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { headSamples: number; series: number; dataDirectoryBytes: number }
    const ids = simulatedIds({ devices: o.devices, idPrefix: 'steady-' })
    const res = await fetch(`${api}/v1/devices`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ devices: ids.map((id) => ({ id })) }) })
    const tokens = Object.fromEntries(((await res.json()) as { devices: Array<{ id: string; token: string }> }).devices.map((d) => [d.id, d.token]))
    sim = new FleetSimulator({ ids, hub: `mqtt://127.0.0.1:${mqttPort}`, tokens, series: o.series, intervalMs: o.intervalMs, version: 'bench', reconnectBaseMs: 500, reconnectMaxMs: 10_000 })
    sim.start()
    await until(() => (sim!.online() === o.devices ? true : undefined), 600_000, 'all devices online', 200)
    const rows: Row[] = []
    const t0 = performance.now()
    let cpu = await cpuSeconds(hub.child.pid!)
    let acked = sim.report().acked
    let last = t0
    sim.resetPhase()
    while (performance.now() - t0 < o.durationMs) {
      await sleep(Math.min(o.everyMs, o.durationMs - (performance.now() - t0)))
      const now = performance.now()
      const report = sim.report()
      sim.resetPhase()
      const [s, rss, c] = [await status(), await rssMiB(hub.child.pid!), await cpuSeconds(hub.child.pid!)]
      const spanS = (now - last) / 1000
      rows.push({
        atS: (now - t0) / 1000,
        rssMiB: rss,
        headSamples: s.headSamples,
        series: s.series,
        dataDirMiB: s.dataDirectoryBytes / 1024 / 1024,
        hubCpuPct: ((c - cpu) / spanS) * 100,
        ackP50Ms: report.ackP50Ms,
        ackP99Ms: report.ackP99Ms,
        samplesPerS: ((report.acked - acked) * (o.series + 1)) / spanS,
        unacked: report.unacked,
        load: os.loadavg()[0],
      })
      ;[cpu, acked, last] = [c, report.acked, now]
      const r = rows.at(-1)!
      console.log(
        `  ${r.atS.toFixed(0).padStart(5)} s  RSS ${r.rssMiB.toFixed(0).padStart(5)} MiB  head ${r.headSamples.toLocaleString('en').padStart(10)} samples  data ${r.dataDirMiB.toFixed(0).padStart(5)} MiB  ` +
          `hub CPU ${r.hubCpuPct.toFixed(0).padStart(3)}%  ack p50 ${r.ackP50Ms.toFixed(0).padStart(5)} ms p99 ${r.ackP99Ms.toFixed(0).padStart(6)} ms  acked ${Math.round(r.samplesPerS).toLocaleString('en').padStart(7)} samples/s  unacked ${r.unacked}  load ${r.load.toFixed(0)}`,
      )
    }
    return rows
  } finally {
    await sim?.stop()
    await stopOutpost(hub)
  }
}
