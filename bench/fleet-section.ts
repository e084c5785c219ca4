import os from 'node:os'
import { join } from 'node:path'
import ms from 'ms'
import { benchFleet, type StormResult } from './fleet.js'

const fmt = (n: number) => n.toLocaleString('en')

/**
 * `npm run bench`, section `fleet`: the fleet bench at each size of OUTPOST_BENCH_FLEET_DEVICES (default 10000,
 * or a list), and with OUTPOST_BENCH_FLEET_BASELINE (another build's `dist/cli/outpost.js`) that build's hub first
 * at each size, so the reconnect storm is printed beside its baseline measured in the same run.
 */
export async function fleetSection(dir: string): Promise<void> {
  const sizes = (process.env.OUTPOST_BENCH_FLEET_DEVICES ?? '10000').split(',').map((s) => Number(s.trim()))
  const windowMs = ms((process.env.OUTPOST_BENCH_FLEET_WINDOW ?? '30s') as ms.StringValue)
  const baseline = process.env.OUTPOST_BENCH_FLEET_BASELINE
  const rows: Array<{ size: number; base?: StormResult; now: StormResult }> = []
  for (const devices of sizes) {
    let base: StormResult | undefined
    if (baseline) {
      console.log(`\nfleet, baseline hub ${baseline}: ${fmt(devices)} devices (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs):`)
      base = await benchFleet({ dir: join(dir, `fleet-base-${devices}`), devices, series: 19, windowMs, intervalMs: 10_000, bin: baseline })
    }
    // 19 series + the probe every 10 s: 20,000 samples/s live at 10,000 devices (issue 15's publish-to-ack rate).
    console.log(`\nfleet: ${fmt(devices)} devices, one MQTT connection each (FleetSimulator in this process) → outpost hub (own process), 10 s interval, 19 series + probe (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs):`)
    rows.push({ size: devices, base, now: await benchFleet({ dir: join(dir, `fleet-${devices}`), devices, series: 19, windowMs, intervalMs: 10_000 }) })
  }
  if (!baseline) return
  console.log('\nreconnect storm after kill -9, this build vs the baseline build, same run (s from the restart, hub start included):')
  console.log(`  ${'devices'.padStart(8)} ${'backlog'.padStart(8)}  ${'all back'.padStart(17)}  ${'backlog acked'.padStart(17)}  ${'hub start'.padStart(13)}  ${'hub CPU s'.padStart(13)}  load`)
  const pair = (a: number | undefined, b: number) => `${(a ?? NaN).toFixed(1).padStart(7)} → ${b.toFixed(1).padStart(6)}`
  for (const { size, base, now } of rows) {
    console.log(`  ${fmt(size).padStart(8)} ${fmt(now.backlog).padStart(8)}  ${pair(base?.backS, now.backS).padStart(17)}  ${pair(base?.ackedS, now.ackedS).padStart(17)}  ${pair(base?.hubStartS, now.hubStartS).padStart(13)}  ${pair(base?.hubCpuS, now.hubCpuS).padStart(13)}  ${base?.load.toFixed(0)}/${now.load.toFixed(0)}`)
  }
}
