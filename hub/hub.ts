import { mkdirSync } from 'node:fs'
import { Level } from 'level'
import { serve, type ServerType } from '@hono/node-server'
import type { AedesPublishPacket, Client } from 'aedes'
import { decodeStatus } from '../protocol/codec.js'
import { parseDeviceTopic } from '../protocol/topics.js'
import { LevelMetricStore, type CompactionStepPoint } from './store/level/index.js'
import { TraceStore } from './traces/index.js'
import { LogStore } from './logs/index.js'
import { HealthStore } from './health/health-store.js'
import { DeviceRegistry } from './devices.js'
import { HubMetrics } from './self-metrics.js'
import { AdminAuth } from './auth.js'
import { startBroker, type BrokerHandle } from './broker.js'
import { ingestTelemetry, type IngestDeps } from './ingest.js'
import { createApi } from './api/app.js'
import { DEFAULT_QUERY_LIMITS } from './query/params.js'
import { AlertEngine } from './alerts/engine.js'
import { AlertService } from './alerts/service.js'
import { loadRulesFile } from './alerts/provision.js'
import type { Rule } from './alerts/rule-schema.js'
import { createNotifiers, parseNotifierConfigs, type NotifierConfig, type ParsedNotifiers } from './alerts/notifiers/registry.js'
import { ClockOffsets, DEFAULT_CLOCK_POLICY, type ClockPolicy } from './clock.js'

export interface HubOptions {
  data: string
  host: string
  mqttPort: number
  httpPort: number
  insecure: boolean
  adminToken?: string
  maxBatchBytes: number
  compactIntervalMs: number
  clockPolicy?: Partial<ClockPolicy>
  /** Retention per kind, ms (issue 5; defaults: traces 7 d). */
  retentionMs?: { traces?: number; health?: number; metrics?: number; logs?: number; alerts?: number }
  /** Alerting (issue 6, docs/alerts.md). */
  alerts?: {
    /** YAML rules file provisioned at start (`--rules`). */
    rulesFile?: string
    /** Notifiers besides the MQTT alert topics, e.g. `{kind: 'webhook', url}`. */
    notifiers?: NotifierConfig[]
    /** Period of the alert engine's pass (default 1 s). */
    tickMs?: number
    /** Presence is trusted for offline rules only after a birth or this grace after start (default 60 s). */
    startupGraceMs?: number
    /** Firing alerts whose evidence is older than this plus the rule's window are replay, not announced (default 2 min). */
    freshnessMs?: number
    /** Batches waiting for evaluation beyond this are skipped and counted (default 10,000). */
    maxBacklog?: number
  }
  /** Test-only hooks for crash and checker tests (never set by the CLI for users). */
  testing?: {
    dedupDisabled?: boolean
    afterWrite?: () => void
    /** Smaller compaction steps, so a crash test's compaction has many atomic writes to fall between. */
    compactBatchSamples?: number
    onCompactionStep?: (point: CompactionStepPoint, step: number) => void
  }
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
  clock?: () => number
}

/** The hub: broker, ingest, store, API (DESIGN §1). */
export class Hub {
  readonly metrics = new HubMetrics()
  readonly db: Level<string, any>
  readonly store: LevelMetricStore
  readonly traces: TraceStore
  readonly logs: LogStore
  readonly health: HealthStore
  readonly devices: DeviceRegistry
  readonly auth: AdminAuth
  alerts!: AlertService
  alertEngine?: AlertEngine
  mqttPort = 0
  httpPort = 0
  /** Set when the hub generated an admin token on this start: print it once. */
  generatedAdminToken?: string
  private broker?: BrokerHandle
  private http?: ServerType
  private timers: NodeJS.Timeout[] = []
  private inflight = new Set<Promise<void>>()
  private accepting = false
  private readonly clock: () => number
  private readonly fileRules?: Rule[]
  private readonly notifierConfigs: ParsedNotifiers

  constructor(private readonly options: HubOptions) {
    this.clock = options.clock ?? Date.now
    // A bad rules file stops the hub before anything opens or listens.
    this.fileRules = options.alerts?.rulesFile ? loadRulesFile(options.alerts.rulesFile) : undefined
    this.notifierConfigs = parseNotifierConfigs(options.alerts?.notifiers ?? [])
    mkdirSync(options.data, { recursive: true, mode: 0o700 })
    this.db = new Level<string, any>(options.data, { valueEncoding: 'json' })
    this.traces = new TraceStore(this.db, { retentionMs: options.retentionMs?.traces ?? 7 * 86_400_000 })
    this.health = new HealthStore(this.db, { retentionMs: options.retentionMs?.health ?? 30 * 86_400_000, clock: this.clock })
    this.logs = new LogStore(this.db, { retentionMs: options.retentionMs?.logs ?? 14 * 86_400_000 })
    this.store = new LevelMetricStore(this.db, {
      clock: this.clock,
      participants: [this.traces, this.health, this.logs],
      compactBatchSamples: options.testing?.compactBatchSamples,
      onCompactionStep: options.testing?.onCompactionStep,
    })
    this.devices = new DeviceRegistry(this.db, this.clock)
    this.auth = new AdminAuth(this.db)
  }

  async start(): Promise<void> {
    const { log } = this.options
    const fileRules = this.fileRules
    await this.db.open()
    await this.store.open()
    await this.traces.open()
    await this.logs.open()
    await this.health.open()
    await this.devices.open()
    this.generatedAdminToken = await this.auth.init(this.options.adminToken)

    this.broker = await startBroker(this.options.host, this.options.mqttPort)
    this.mqttPort = this.broker.port
    const engine = new AlertEngine({
      db: this.db,
      store: this.store,
      devices: this.devices,
      notifiers: createNotifiers(this.notifierConfigs, { broker: this.broker.broker, db: this.db, clock: this.clock, log }),
      clock: this.clock,
      log,
      metrics: this.metrics,
      tickMs: this.options.alerts?.tickMs,
      startupGraceMs: this.options.alerts?.startupGraceMs,
      freshnessMs: this.options.alerts?.freshnessMs,
      maxBacklog: this.options.alerts?.maxBacklog,
    })
    this.alertEngine = engine
    this.alerts = new AlertService(engine, this.clock)
    await engine.start()
    if (fileRules) await this.alerts.provision(fileRules)
    const ingestDeps: IngestDeps = {
      broker: this.broker.broker,
      store: this.store,
      devices: this.devices,
      metrics: this.metrics,
      limits: { maxBytes: this.options.maxBatchBytes },
      clockOffsets: new ClockOffsets(),
      clockPolicy: { ...DEFAULT_CLOCK_POLICY, ...this.options.clockPolicy },
      dedupDisabled: this.options.testing?.dedupDisabled,
      afterWrite: this.options.testing?.afterWrite,
      onStored: (device, batch, shift) => engine.onBatch(device, batch, shift),
      clock: this.clock,
      log,
    }
    this.broker.broker.on('publish', (packet, client) => this.onPublish(ingestDeps, packet, client))
    this.broker.broker.on('client', () => this.metrics.mqttClients.set(this.broker!.broker.connectedClients))
    this.broker.broker.on('clientDisconnect', () => this.metrics.mqttClients.set(this.broker!.broker.connectedClients))
    this.accepting = true

    const app = createApi({
      store: this.store,
      traces: this.traces,
      logs: this.logs,
      health: this.health,
      alerts: this.alerts,
      devices: this.devices,
      metrics: this.metrics,
      auth: this.auth,
      insecure: this.options.insecure,
      limits: DEFAULT_QUERY_LIMITS,
      ready: () => this.accepting,
      clock: this.clock,
      log,
    })
    this.http = await new Promise<ServerType>((resolve) => {
      const server = serve({ fetch: app.fetch, hostname: this.options.host, port: this.options.httpPort }, () => resolve(server))
    })
    const address = this.http.address()
    this.httpPort = typeof address === 'object' && address ? address.port : this.options.httpPort

    this.every(this.options.compactIntervalMs, async () => {
      await this.store.compact()
      this.metrics.compactions.inc()
    })
    this.every(5_000, () => this.devices.flush())
    this.every(60_000, () => this.traces.prune(this.clock()))
    // Logs are deleted by whole UTC days; a pass with nothing expired costs nothing.
    this.every(this.options.compactIntervalMs, () => this.logs.prune(this.clock()))
    // Metric retention deletes whole rows; it scans chunk keys only when the cutoff enters a new window.
    this.every(this.options.compactIntervalMs, () => this.store.prune(this.clock(), this.options.retentionMs?.metrics ?? 30 * 86_400_000))
    this.every(3_600_000, () => this.health.prune(this.clock()))
    // Resolved alerts and their history; silences expire by themselves and stay listed until deleted.
    this.every(3_600_000, () => engine.run(() => engine.store.prune(this.clock() - (this.options.retentionMs?.alerts ?? 90 * 86_400_000))))
    log('info', 'hub started', { mqtt: `${this.options.host}:${this.mqttPort}`, http: `${this.options.host}:${this.httpPort}` })
  }

  /** Stops intake, lets in-flight batches finish (they get their acks), then closes the store. */
  async stop(): Promise<void> {
    this.accepting = false
    for (const t of this.timers) clearInterval(t)
    await Promise.allSettled([...this.inflight])
    await this.alertEngine?.stop()
    await this.broker?.close()
    await new Promise<void>((resolve) => (this.http ? this.http.close(() => resolve()) : resolve()))
    await this.devices.flush()
    await this.store.close()
    await this.traces.close()
    await this.logs.close()
    await this.db.close()
  }

  private onPublish(deps: IngestDeps, packet: AedesPublishPacket, client: Client | null): void {
    const parsed = parseDeviceTopic(packet.topic)
    if (!parsed || !this.accepting) return
    if (parsed.kind === 'telemetry' && client) {
      this.track(ingestTelemetry(deps, parsed.device, client.id, packet.payload as Buffer))
    } else if (parsed.kind === 'status' && packet.payload.length > 0) {
      try {
        const status = decodeStatus(packet.payload as Buffer)
        this.track(this.devices.applyStatus(parsed.device, status))
        this.alertEngine?.onStatus(parsed.device, status.state === 'online')
      } catch (err) {
        this.options.log('warning', 'bad status message', { device: parsed.device, error: (err as Error).message })
      }
    }
  }

  private track(p: Promise<void>): void {
    this.inflight.add(p)
    p.catch((err) => this.options.log('error', 'handler failed', { error: String(err) })).finally(() => this.inflight.delete(p))
  }

  private every(ms: number, fn: () => Promise<unknown>): void {
    let running = false
    const timer = setInterval(() => {
      if (running) return
      running = true
      fn()
        .catch((err) => this.options.log('error', 'background task failed', { error: String(err) }))
        .finally(() => (running = false))
    }, ms)
    timer.unref()
    this.timers.push(timer)
  }
}
