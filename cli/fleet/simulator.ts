import { FleetDevice } from './device.js'

export interface FleetOptions {
  ids: string[]
  hub: string
  /** A token per device, else `token` for all (or none on a hub without MQTT passwords). */
  tokens?: Record<string, string>
  token?: string
  series: number
  intervalMs: number
  version: string
  reconnectBaseMs?: number
  reconnectMaxMs?: number
  banWaitMs?: number
  ackTimeoutMs?: number
}

export interface FleetReport {
  devices: number
  seriesPerDevice: number
  /** From start to every device connected and set up (subscribed, birth published), ms. */
  timeToAllOnlineMs: number
  ticks: number
  samples: number
  batches: number
  acked: number
  unacked: number
  connects: number
  banned: number
  /** Publish-to-ack of batches sent live, ms. */
  ackP50Ms: number
  ackP99Ms: number
  cpuSeconds: number
  rssBytes: number
}

/** Ten thousand FleetDevices in one process, ticking together on interval boundaries (`outpost simulate --buffer memory`). */
export class FleetSimulator {
  readonly devices: FleetDevice[]
  private readonly latencies: number[] = []
  private timers: NodeJS.Timeout[] = []
  private startedAt = 0
  private allOnlineAt?: number
  private readonly cpuStart = process.cpuUsage()

  constructor(private readonly o: FleetOptions) {
    this.devices = o.ids.map(
      (id) =>
        new FleetDevice({
          id,
          hub: o.hub,
          token: o.tokens?.[id] ?? o.token,
          series: o.series,
          reconnectBaseMs: o.reconnectBaseMs ?? 500,
          reconnectMaxMs: o.reconnectMaxMs ?? 10_000,
          banWaitMs: o.banWaitMs ?? 60_000,
          keepaliveSeconds: 60,
          ackTimeoutMs: o.ackTimeoutMs ?? 30_000,
          version: o.version,
          onAckLatency: (ms) => {
            // A bounded sample: every latency up to 200,000, then a random replacement (reservoir).
            if (this.latencies.length < 200_000) this.latencies.push(ms)
            else this.latencies[Math.floor(Math.random() * this.latencies.length)] = ms
          },
        }),
    )
  }

  start(): void {
    this.startedAt = performance.now()
    for (const d of this.devices) d.start()
    // Each device stamps its samples at the interval boundary, as the agent does, but sends at its own phase within
    // the interval (a real fleet's clocks and start times differ): a steady stream rather than one burst per tick.
    const slices = Math.min(100, this.devices.length)
    const per = Math.ceil(this.devices.length / slices)
    const schedule = () => {
      const now = Date.now()
      const boundary = now - (now % this.o.intervalMs) + this.o.intervalMs
      this.timers = Array.from({ length: slices }, (_, j) =>
        setTimeout(() => {
          for (const d of this.devices.slice(j * per, (j + 1) * per)) d.tick(boundary)
          if (j === slices - 1) schedule()
        }, boundary - now + (j * this.o.intervalMs) / slices),
      )
    }
    schedule()
  }

  online(): number {
    let n = 0
    for (const d of this.devices) if (d.ready) n++
    if (n === this.devices.length && this.allOnlineAt === undefined) this.allOnlineAt = performance.now()
    return n
  }

  unacked(): number {
    return this.devices.reduce((n, d) => n + d.unacked, 0)
  }

  /** Polls until `done` or the deadline; false on timeout. */
  async until(done: () => boolean, timeoutMs: number, pollMs = 100): Promise<boolean> {
    const deadline = Date.now() + timeoutMs
    while (!done()) {
      if (Date.now() > deadline) return false
      await new Promise((r) => setTimeout(r, pollMs))
    }
    return true
  }

  /** Forgets the latencies and the all-online time so far (a new phase, e.g. after a hub restart). */
  resetPhase(): void {
    this.latencies.length = 0
    this.startedAt = performance.now()
    this.allOnlineAt = undefined
  }

  /** Stops ticking (no new batches); devices stay connected until stop(). */
  pause(): void {
    for (const t of this.timers) clearTimeout(t)
  }

  async stop(): Promise<void> {
    this.pause()
    for (let k = 0; k < this.devices.length; k += 500) await Promise.all(this.devices.slice(k, k + 500).map((d) => d.stop()))
  }

  report(): FleetReport {
    const sorted = [...this.latencies].sort((a, b) => a - b)
    const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN)
    const sum = (f: (d: FleetDevice) => number) => this.devices.reduce((n, d) => n + f(d), 0)
    const ticks = sum((d) => d.produced)
    const cpu = process.cpuUsage(this.cpuStart)
    return {
      devices: this.devices.length,
      seriesPerDevice: this.o.series,
      timeToAllOnlineMs: this.allOnlineAt === undefined ? NaN : this.allOnlineAt - this.startedAt,
      ticks,
      samples: ticks * (this.o.series + 1),
      batches: ticks,
      acked: sum((d) => d.counters.acked),
      unacked: this.unacked(),
      connects: sum((d) => d.counters.connects),
      banned: sum((d) => d.counters.banned),
      ackP50Ms: pct(0.5),
      ackP99Ms: pct(0.99),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      rssBytes: process.memoryUsage.rss(),
    }
  }
}

/** `outpost simulate --buffer memory`: connect, run live for `durationMs`, wait for every ack, stop, report. */
export async function runFleet(o: FleetOptions & { durationMs: number; log: (msg: string) => void }): Promise<FleetReport> {
  const sim = new FleetSimulator(o)
  sim.start()
  const online = await sim.until(() => sim.online() === o.ids.length, 300_000)
  if (!online) o.log(`only ${sim.online()} of ${o.ids.length} devices online after 300 s`)
  else o.log(`all ${o.ids.length} devices online in ${(sim.report().timeToAllOnlineMs / 1000).toFixed(2)} s`)
  await new Promise((r) => setTimeout(r, o.durationMs))
  sim.pause()
  await sim.until(() => sim.unacked() === 0, 120_000)
  const report = sim.report()
  await sim.stop()
  return report
}
