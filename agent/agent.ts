import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { encode as encodeCbor } from 'cbor-x'
import { MetricsBuilder } from '../protocol/metrics-builder.js'
import { assertDeviceId } from '../protocol/ids.js'
import { PROTOCOL_VERSION, type HealthResult, type WireMetrics } from '../protocol/batch.js'
import { validateBatch } from '../protocol/validate.js'
import type { Collector } from './collectors/types.js'
import { HealthScheduler } from './health/scheduler.js'
import type { HealthCheck } from './health/types.js'
import type { Input } from './inputs/types.js'
import { declareInputMetrics, InputCounters } from './inputs/counters.js'
import { LevelBuffer } from './buffer/level-buffer.js'
import type { FullPolicy } from './buffer/types.js'
import { Uplink } from './uplink.js'
import { declareAgentMetrics } from './self-metrics.js'
import { Telemetry } from './telemetry.js'
import { splitEncoded, type BatchBody } from './split-body.js'
import { startListener, type LocalListener } from './listener.js'
import type { UplinkLimits } from './uplink.js'
import type { TraceSampler } from './sampling/sampler.js'
import { BoundaryTimer } from './boundary-timer.js'
import { ClockSteps } from './clock-steps.js'

/** The clock steps' account, in the data directory beside the buffer's files (ClockSteps.restore). */
const CLOCK_STEPS_FILE = 'CLOCK-STEPS.json'

export type { BatchBody } from './split-body.js'

export interface AgentOptions {
  id: string
  hub: string
  token?: string
  /** CA, client certificate and key (PEM) for an mqtts:// hub. */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer }
  data: string
  intervalMs: number
  version: string
  buffer: { maxBytes: number; policy: FullPolicy; fsync?: boolean }
  uplink: { inflight: number; ackTimeoutMs: number; reconnectBaseMs: number; reconnectMaxMs: number; banWaitMs?: number; keepaliveSeconds: number; maxBytesPerSecond?: number }
  /** Samples per batch before it is sealed early. */
  maxBatchSamples: number
  collectors: Collector[]
  /** Health checks run on their own intervals (agent/health/); results go through accept(). */
  healthChecks?: HealthCheck[]
  /** Inputs that feed accept() on their own schedule: log tailing, Prometheus scrapes (agent/inputs/). */
  inputs?: Input[]
  /** Wall clock for sample timestamps and `at` (tests skew it to play a device whose clock is wrong). */
  clock?: () => number
  /** HOST:PORT of the local listener (DESIGN §9); omitted: no listener. */
  listen?: string
  /** Collect on the interval (false for callers that feed batches themselves, like `simulate --backfill`). */
  autoCollect?: boolean
  hostInfo: () => Promise<Record<string, unknown>>
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
  /** Trace sampling (agent/sampling/) applied to spans from every input; omitted: every span is kept. */
  sampler?: TraceSampler
  /** Payloads on the device's cmd topic (remote configuration and commands, agent/remote/); omitted: not subscribed. */
  onCmd?: (payload: Buffer) => void
}

/** What a remote configuration changes in a running agent (agent/remote/); each part given replaces the running one. */
export interface AgentConfigPatch {
  intervalMs?: number
  collectors?: Collector[]
  healthChecks?: HealthCheck[]
  inputs?: Input[]
  uplink?: Partial<UplinkLimits>
}

/** Collects on an interval into batches, keeps them in the LevelDB buffer, and ships them through the uplink. */
export class Agent {
  readonly buffer: LevelBuffer
  readonly uplink: Uplink
  private ticker?: BoundaryTimer
  private collecting?: Promise<void>
  private running = false
  private listener?: LocalListener
  private health?: HealthScheduler
  /** What the inputs count (truncated log lines, scrape errors), shown on the listener's /metrics. */
  readonly inputCounters = new InputCounters()
  /** Batches refused before they reached the buffer (a collector produced data the hub would reject). */
  invalidBatches = 0
  /** The one table of the agent's own metrics: the listener's /metrics and the samples shipped each tick. */
  readonly telemetry = new Telemetry()
  /** Steps of the wall clock, so each batch's `at` is read on the clock its samples were stamped with. */
  readonly clockSteps: ClockSteps

  constructor(private readonly options: AgentOptions) {
    assertDeviceId(options.id)
    mkdirSync(options.data, { recursive: true, mode: 0o700 })
    this.buffer = new LevelBuffer(options.data, { ...options.buffer, log: options.log })
    this.clockSteps = new ClockSteps(() => this.buffer.stats().nextSeq, options.clock ?? Date.now, options.log)
    this.uplink = new Uplink(this.buffer, {
      hubUrl: options.hub,
      deviceId: options.id,
      token: options.token,
      tls: options.tls,
      version: options.version,
      hostInfo: options.hostInfo,
      clock: options.clock,
      clockSteps: this.clockSteps,
      log: options.log,
      onCmd: options.onCmd,
      ...options.uplink,
    })
    declareAgentMetrics(this.telemetry, {
      buffer: () => this.buffer.stats(),
      uplink: () => this.uplink,
      invalidBatches: () => this.invalidBatches,
      sampled: options.sampler
        ? () => {
            options.sampler?.expire()
            return options.sampler?.counters.spans ?? {}
          }
        : undefined,
    })
    declareInputMetrics(this.telemetry, this.inputCounters)
  }

  async start(): Promise<void> {
    await this.buffer.open()
    // Kept beside the buffer's files: batches buffered before a restart stay on the clock that stamped them.
    this.clockSteps.restore(join(this.options.data, CLOCK_STEPS_FILE))
    this.running = true
    if (this.options.listen) {
      this.listener = await startListener(this.options.listen, async () => {
        const { buildListener } = await import('./listener-routes.js')
        return buildListener(this, this.options.intervalMs, this.options.log)
      })
      const address = this.listener.address()
      if (address && typeof address === 'object') this.options.log('info', `local listener on http://${address.address}:${address.port}`)
    }
    this.uplink.start()
    this.startHealth()
    await this.startInputs()
    this.options.log('info', 'agent started', { id: this.options.id, epoch: this.buffer.epoch, pending: this.buffer.stats().pending })
    if (this.options.autoCollect === false) return
    this.collecting = this.collectOnce()
    this.scheduleCollection()
  }

  /** Later ticks land on interval boundaries and carry the boundary as their timestamp: timer jitter would otherwise
   *  cost bits in every compressed chunk, and the series of one device line up. */
  private scheduleCollection(): void {
    this.ticker?.stop()
    this.ticker = new BoundaryTimer(
      this.options.intervalMs,
      (boundary) => {
        if (!this.collecting) this.collecting = this.collectOnce(boundary)
      },
      this.options.clock,
    )
    this.ticker.start()
  }

  private startHealth(): void {
    if (!this.options.healthChecks?.length) return
    this.health = new HealthScheduler(this.options.healthChecks, { emit: (h) => this.accept({ h }), clock: this.options.clock, log: this.options.log })
    this.health.start()
  }

  private async startInputs(): Promise<void> {
    for (const input of this.options.inputs ?? []) {
      await input.start({
        accept: (body, opts) => this.accept(body, opts),
        getCheckpoint: (key) => this.buffer.getCheckpoint(key),
        counters: this.inputCounters,
        clock: this.options.clock ?? Date.now,
        log: (level, msg, extra) => this.options.log(level, msg, { input: input.name, ...extra }),
      })
    }
  }

  /** The configured collection interval, health checks and inputs (remote commands read them). */
  get intervalMs(): number {
    return this.options.intervalMs
  }
  get healthChecks(): readonly HealthCheck[] {
    return this.options.healthChecks ?? []
  }
  get inputs(): readonly Input[] {
    return this.options.inputs ?? []
  }
  get sampler(): TraceSampler | undefined {
    return this.options.sampler
  }

  /** Runs one health check now, buffers its result like a scheduled run, and returns it (the `health` command). */
  async runHealthCheck(name: string): Promise<HealthResult | undefined> {
    const check = this.options.healthChecks?.find((c) => c.name === name)
    if (!check) return undefined
    const scheduler = this.health ?? new HealthScheduler([], { emit: async () => {}, clock: this.options.clock, log: this.options.log })
    const result = await scheduler.runOnce(check)
    await this.accept({ h: [result] })
    return result
  }

  /** Applies a new configuration without a restart (agent/remote/): each part given replaces the running one. */
  async reconfigure(patch: AgentConfigPatch): Promise<void> {
    if (patch.uplink) await this.uplink.reconfigure(patch.uplink)
    if (patch.collectors) {
      const old = this.options.collectors
      await this.collecting
      this.options.collectors = patch.collectors
      await Promise.allSettled(old.map((c) => c.close?.()))
    }
    if (patch.healthChecks) {
      await this.health?.stop()
      this.health = undefined
      this.options.healthChecks = patch.healthChecks
      if (this.running) this.startHealth()
    }
    if (patch.inputs) {
      for (const input of this.options.inputs ?? []) await input.stop()
      this.options.inputs = patch.inputs
      if (this.running) await this.startInputs()
    }
    if (patch.intervalMs !== undefined && patch.intervalMs !== this.options.intervalMs) {
      this.options.intervalMs = patch.intervalMs
      if (this.running && this.options.autoCollect !== false) this.scheduleCollection()
    }
  }

  /** Where the local listener is bound (its port when `listen` asked for port 0); undefined without one. */
  listenerAddress(): { host: string; port: number } | undefined {
    const address = this.listener?.address()
    return address && typeof address === 'object' ? { host: address.address, port: address.port } : undefined
  }

  /** Stops intake, waits for the running collection to reach the buffer, then closes (backlog stays on disk). */
  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    this.ticker?.stop()
    await this.health?.stop()
    for (const input of this.options.inputs ?? []) await input.stop()
    await this.collecting
    this.options.log('debug', 'stop: closing listener')
    await this.listener?.close()
    this.options.log('debug', 'stop: closing uplink')
    await this.uplink.stop()
    this.options.log('debug', 'stop: closing buffer')
    await this.buffer.close()
    this.options.log('debug', 'stop: done')
  }

  /** Runs every collector once and stores what they produced as one or more batches. */
  async collectOnce(now = (this.options.clock ?? Date.now)()): Promise<void> {
    // The clock the samples are stamped on now, so a step during the collection does not move them to the new one.
    this.clockSteps.check()
    const stampedOn = this.clockSteps.clock
    try {
      const builder = new MetricsBuilder()
      const results = await Promise.allSettled(this.options.collectors.map((c) => c.collect(builder, now)))
      results.forEach((r, i) => {
        if (r.status === 'rejected') {
          this.options.log('warning', 'collector failed', { collector: this.options.collectors[i].name, error: String(r.reason) })
        }
      })
      this.telemetry.emit(builder, now)
      await this.appendMetrics(builder, stampedOn)
    } catch (err) {
      this.options.log('error', 'collection failed', { error: (err as Error).message })
    } finally {
      this.collecting = undefined
    }
  }

  /** Seals the builder's samples into buffered batches of at most maxBatchSamples each. */
  async appendMetrics(builder: MetricsBuilder, stampedOn = this.clockSteps.clock): Promise<void> {
    const wire = builder.build()
    if (!wire) return
    const parts = splitEncoded({ m: wire }, this.options.maxBatchSamples).filter((part) => this.isValid(part.body.m!))
    this.clockSteps.append(stampedOn, parts.length)
    for (const part of parts) await this.buffer.append(part.bytes)
    this.uplink.notify()
  }

  /**
   * Validates and durably buffers data from a local input, all or nothing: resolves once every part is on disk;
   * throws DecodeError (invalid data), BatchTooLargeError (a part the hub would refuse) or BufferFullError (policy
   * `block` and no room); in each case nothing is kept.
   */
  async accept(body: BatchBody, options: { checkpoints?: Record<string, string> } = {}): Promise<number[]> {
    // Sampling first: dropped spans are not promised (they are counted); every kept one is buffered before the 2xx.
    if (body.s?.length && this.options.sampler) {
      const kept = this.options.sampler.filter(body.s)
      body = { ...body, s: kept.length > 0 ? kept : undefined }
      if (!body.s) delete body.s
    }
    const parts = splitEncoded(body, this.options.maxBatchSamples)
    for (const part of parts) {
      validateBatch({ v: PROTOCOL_VERSION, dev: this.options.id, ep: this.buffer.epoch || 'x', seq: 1, at: 0, ...part.body })
    }
    if (parts.length === 0 && !options.checkpoints) return []
    // Checkpoints (an input's position) go in the same atomic write as the data they cover.
    if (parts.length > 0) this.clockSteps.check()
    const seqs = await this.buffer.appendMany(parts.map((p) => p.bytes), options)
    if (parts.length > 0) this.uplink.notify()
    return seqs
  }

  /** A batch the hub would refuse must never enter the buffer, where it would be resent forever. */
  private isValid(m: WireMetrics): boolean {
    try {
      validateBatch({ v: PROTOCOL_VERSION, dev: this.options.id, ep: this.buffer.epoch || 'x', seq: 1, at: 0, m })
      return true
    } catch (err) {
      this.invalidBatches++
      this.options.log('error', 'batch refused before buffering', { error: (err as Error).message })
      return false
    }
  }
}
