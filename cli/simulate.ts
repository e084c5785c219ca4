import { join } from 'node:path'
import { once } from 'node:events'
import { MetricsBuilder } from '../protocol/metrics-builder.js'
import { Agent } from '../agent/agent.js'
import { SyntheticCollector } from '../agent/collectors/synthetic/index.js'
import type { LogFn } from './log.js'
import { packageVersion } from './agent-factory.js'

export interface SimulateOptions {
  devices: number
  series: number
  interval: number
  duration?: number
  backfill?: number
  hub: string
  token?: string
  /** A token per device (from `--api`/`--admin-token` provisioning), else `token` for all. */
  tokens?: Record<string, string>
  idPrefix: string
  data: string
  batch: { maxSamples: number }
  uplink: { inflight: number }
}

export interface SimulateReport {
  devices: number
  seriesPerDevice: number
  samples: number
  batches: number
  ackedBatches: number
  seconds: number
  samplesPerSecond: number
  wireBytes: number
  wireBytesPerSample: number
  /** CPU time (user + system) this process spent from the first sample to the last ack: load-independent cost. */
  cpuSeconds: number
}

/** The simulated devices' ids: prefix plus a zero-padded number. */
export function simulatedIds(o: Pick<SimulateOptions, 'devices' | 'idPrefix'>): string[] {
  const width = Math.max(4, String(o.devices).length)
  return Array.from({ length: o.devices }, (_, d) => `${o.idPrefix}${String(d + 1).padStart(width, '0')}`)
}

/** Runs N agents (real buffer and uplink) fed by deterministic synthetic series. */
export async function simulate(o: SimulateOptions, log: LogFn): Promise<SimulateReport> {
  const quiet: LogFn = (level, msg, extra) => (level === 'error' ? log(level, msg, extra) : undefined)
  const sims = simulatedIds(o).map((id) => {
    const collector = new SyntheticCollector(id, o.series)
    const agent = new Agent({
      id,
      hub: o.hub,
      token: o.tokens?.[id] ?? o.token,
      data: join(o.data, id),
      intervalMs: o.interval,
      version: packageVersion(),
      buffer: { maxBytes: 1024 ** 3, policy: 'block' },
      maxBatchSamples: o.batch.maxSamples,
      uplink: { inflight: o.uplink.inflight, ackTimeoutMs: 30_000, reconnectBaseMs: 200, reconnectMaxMs: 5_000, keepaliveSeconds: 30 },
      collectors: o.backfill !== undefined ? [] : [collector],
      autoCollect: o.backfill === undefined,
      hostInfo: async () => ({ simulated: true }),
      log: quiet,
    })
    return { id, agent, collector }
  })

  await Promise.all(sims.map((s) => s.agent.start()))
  await Promise.all(sims.map((s) => (s.agent.uplink.connected ? undefined : once(s.agent.uplink, 'connected'))))
  const started = performance.now()
  const cpuStart = process.cpuUsage()
  const firstSeqs = sims.map((s) => s.agent.buffer.stats().nextSeq)
  let samples = 0
  if (o.backfill !== undefined) {
    const end = Date.now()
    const start = end - o.backfill
    const perDevice = await Promise.all(sims.map((s) => backfillDevice(s.agent, s.collector, start, end, o)))
    samples = perDevice.reduce((a, b) => a + b, 0)
  } else {
    await new Promise((r) => setTimeout(r, o.duration ?? o.interval))
    samples = NaN // counted from the hub's side in live mode
  }
  await Promise.all(sims.map((s, d) => drained(s.agent, firstSeqs[d], 60_000)))
  const seconds = (performance.now() - started) / 1000
  const cpu = process.cpuUsage(cpuStart)
  const batches = sims.reduce((n, s) => n + s.agent.buffer.stats().nextSeq - 1, 0)
  const acked = sims.reduce((n, s) => n + s.agent.uplink.counters.acked, 0)
  const wireBytes = sims.reduce((n, s) => n + s.agent.uplink.counters.bytesSent, 0)
  await Promise.all(sims.map((s) => s.agent.stop()))
  return {
    devices: o.devices,
    seriesPerDevice: o.series,
    samples,
    batches,
    ackedBatches: acked,
    seconds,
    samplesPerSecond: samples / seconds,
    wireBytes,
    wireBytesPerSample: wireBytes / samples,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }
}

/** Produces history from start to end as fast as the hub acks it, holding at most a few batches per device. */
async function backfillDevice(agent: Agent, collector: SyntheticCollector, start: number, end: number, o: SimulateOptions): Promise<number> {
  const builder = new MetricsBuilder()
  let samples = 0
  const perStep = o.series
  for (let t = start; t <= end; t += o.interval) {
    collector.step(builder, t)
    samples += perStep
    if (builder.size + perStep > o.batch.maxSamples) {
      await agent.appendMetrics(builder)
      while (agent.buffer.stats().pending > o.uplink.inflight * 2) await once(agent.uplink, 'acked')
    }
  }
  await agent.appendMetrics(builder)
  return samples
}

/** Every batch acked: the buffer is empty and the uplink has counted the acks of this run's batches (from firstSeq). */
async function drained(agent: Agent, firstSeq: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const done = () => agent.buffer.stats().pending === 0 && agent.uplink.counters.acked >= agent.buffer.stats().nextSeq - firstSeq
  while (!done() && Date.now() < deadline) {
    // once() with a signal removes its listener when the 200 ms poll wins (no listener piles up per round).
    const signal = AbortSignal.timeout(200)
    await once(agent.uplink, 'acked', { signal }).catch(() => {})
  }
}
