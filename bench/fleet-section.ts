import os from 'node:os'
import { join } from 'node:path'
import ms from 'ms'
import { benchFleet, type StormResult } from './fleet.js'
import { benchSustained } from './sustained.js'
import { benchBrokerStorm } from './broker-storm.js'

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
  await benchBrokerStorm(sizes)
  const rows: Array<{ size: number; base?: StormResult; baseFailed?: string; now: StormResult }> = []
  for (const devices of sizes) {
    let base: StormResult | undefined
    let baseFailed: string | undefined
    if (baseline) {
      console.log(`\nfleet, baseline hub ${baseline}: ${fmt(devices)} devices (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs):`)
      // A baseline that fails (its hub dies) is a result too: printed, and this build still runs.
      base = await benchFleet({ dir: join(dir, `fleet-base-${devices}`), devices, series: 19, windowMs, intervalMs: 10_000, bin: baseline }).catch((err: Error) => {
        baseFailed = /RangeError[^\n]*/.exec(err.message)?.[0] ?? err.message.split('\n')[0]
        console.log(`  baseline failed: ${err.message.split('\n')[0]} (${baseFailed})`)
        return undefined
      })
    }
    // 19 series + the probe every 10 s: 20,000 samples/s live at 10,000 devices (issue 15's publish-to-ack rate).
    console.log(`\nfleet: ${fmt(devices)} devices, one MQTT connection each (FleetSimulator in this process) → outpost hub (own process), 10 s interval, 19 series + probe (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs):`)
    rows.push({ size: devices, base, baseFailed, now: await benchFleet({ dir: join(dir, `fleet-${devices}`), devices, series: 19, windowMs, intervalMs: 10_000 }) })
  }
  if (!baseline) return
  console.log('\nreconnect storm after kill -9, this build vs the baseline build, same run (s from the restart, hub start included):')
  console.log(`  ${'devices'.padStart(8)} ${'backlog'.padStart(8)}  ${'all back'.padStart(17)}  ${'backlog acked'.padStart(17)}  ${'hub start'.padStart(13)}  ${'hub CPU s'.padStart(13)}  load`)
  const pair = (a: number | undefined, b: number) => `${(a ?? NaN).toFixed(1).padStart(7)} → ${b.toFixed(1).padStart(6)}`
  for (const { size, base, baseFailed, now } of rows) {
    if (baseFailed) console.log(`  ${fmt(size).padStart(8)}: the baseline hub failed (${baseFailed}); this build: all back ${now.backS.toFixed(1)} s, backlog acked ${now.ackedS.toFixed(1)} s, hub start ${now.hubStartS.toFixed(1)} s, hub CPU ${now.hubCpuS.toFixed(1)} s`)
    if (baseFailed) continue
    console.log(`  ${fmt(size).padStart(8)} ${fmt(now.backlog).padStart(8)}  ${pair(base?.backS, now.backS).padStart(17)}  ${pair(base?.ackedS, now.ackedS).padStart(17)}  ${pair(base?.hubStartS, now.hubStartS).padStart(13)}  ${pair(base?.hubCpuS, now.hubCpuS).padStart(13)}  ${base?.load.toFixed(0)}/${now.load.toFixed(0)}`)
  }
}

/**
 * `npm run bench`, section `sustained` (issue 15 item 7): the fleet's live rate (20,000 samples/s: 10,000 devices ×
 * 20 series every 10 s, sent as OUTPOST_BENCH_SUSTAINED_DEVICES devices every second) for
 * OUTPOST_BENCH_SUSTAINED_DURATION, a row a minute, then start, middle and end side by side.
 */
export async function sustainedSection(dir: string): Promise<void> {
  const devices = Number(process.env.OUTPOST_BENCH_SUSTAINED_DEVICES ?? 1000)
  const durationMs = ms((process.env.OUTPOST_BENCH_SUSTAINED_DURATION ?? '10m') as ms.StringValue)
  const everyMs = Math.min(60_000, durationMs / 4)
  console.log(`\nsustained ingest: ${fmt(devices)} devices × (19 series + probe) every 1 s = ${fmt(devices * 20)} samples/s for ${ms(durationMs)}, compaction and rollups running (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs):`)
  const rows = await benchSustained({ dir: join(dir, 'sustained'), devices, series: 19, intervalMs: 1_000, durationMs, everyMs })
  if (rows.length < 3) return
  const picks = [rows[0], rows[Math.floor((rows.length - 1) / 2)], rows.at(-1)!]
  console.log('  start / middle / end:')
  console.log(`    at            ${picks.map((r) => `${r.atS.toFixed(0)} s`).join(' / ')}`)
  console.log(`    hub RSS       ${picks.map((r) => `${r.rssMiB.toFixed(0)} MiB`).join(' / ')}`)
  console.log(`    head          ${picks.map((r) => `${fmt(r.headSamples)} samples`).join(' / ')}`)
  console.log(`    data dir      ${picks.map((r) => `${r.dataDirMiB.toFixed(0)} MiB`).join(' / ')}`)
  console.log(`    ack p99       ${picks.map((r) => `${r.ackP99Ms.toFixed(0)} ms`).join(' / ')}`)
  console.log(`    acked         ${picks.map((r) => `${fmt(Math.round(r.samplesPerS))} samples/s`).join(' / ')}`)
}
