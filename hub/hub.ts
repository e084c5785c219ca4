import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createServer as createHttpsServer } from 'node:https'
import { createDatabase, type Database } from './storage/db.js'
import { serve, type ServerType } from '@hono/node-server'
import type { Aedes, AedesPublishPacket, Client } from 'aedes'
import type { Hono } from 'hono'
import { decodeStatus } from '../protocol/codec.js'
import { parseDeviceTopic } from '../protocol/topics.js'
import { LevelMetricStore, type CompactionStepPoint } from './metrics/store/index.js'
import { LevelTraceStore, type TraceStore } from './traces/index.js'
import { BlockLogStore, type LogStore } from './logs/index.js'
import { HealthStore } from './health/health-store.js'
import { DeviceRegistry } from './devices.js'
import { HubMetrics } from './self-metrics.js'
import { AdminAuth } from './auth.js'
import { startBroker, type BrokerHandle } from './broker.js'
import { CredentialStore } from './security/credentials.js'
import { mqttAccessHooks, MqttSessions } from './security/mqtt-access.js'
import { endDeviceSession } from './security/sessions.js'
import { AuditLog } from './audit/audit-log.js'
import { AuditSigner } from './audit/signer.js'
import { verifyAudit } from './audit/verify.js'
import { DEFAULT_LIMITS, type LimitReason, type SecurityLimits } from './limits/config.js'
import { ConnectGuard } from './limits/connect-guard.js'
import { PublishRate } from './limits/rate.js'
import { BatchLimits } from './limits/batch-limits.js'
import { ingestTelemetry, type IngestDeps } from './ingest.js'
import { createApi } from './api/app.js'
import { exportDevice, purgeDevice, type DeviceDataDeps } from './device-data.js'
import { DEFAULT_QUERY_LIMITS } from './metrics/query/params.js'
import { AlertEngine } from './alerts/engine.js'
import { AlertService } from './alerts/service.js'
import { loadRulesFile } from './alerts/provision.js'
import { loadSlosFile } from './slo/provision.js'
import { SloService } from './slo/service.js'
import { parseReportSchedules, ReportScheduler, type ReportSchedule } from './reports/schedule.js'
import type { Slo } from './slo/schema.js'
import type { Rule } from './alerts/rule-schema.js'
import { AnomalyService, DEFAULT_ANOMALY_OPTIONS, type AnomalyOptions } from './anomaly/service.js'
import type { NotifierConfig } from './alerts/notifiers/registry.js'
import { createNotifications, parseNotificationConfig, type NotificationConfig, type Notifications } from './alerts/notifications.js'
import { EventBus } from './events/event-bus.js'
import { backlogOf, publishAlertEvents, publishErrorLogs } from './events/sources.js'
import { DashboardStore } from './dashboards/store.js'
import { loadDashboardsFile } from './dashboards/provision.js'
import type { Dashboard } from './dashboards/schema.js'
import type { EventStreamOptions } from './api/routes/events.js'
import { ClockOffsets, DEFAULT_CLOCK_POLICY, type ClockPolicy } from './clock.js'
import { RemoteService } from './remote/remote-service.js'

export interface HubOptions {
  data: string
  host: string
  mqttPort: number
  httpPort: number
  /** No API tokens and no MQTT passwords; the ACL by client id stays on. */
  insecure: boolean
  /** MQTT passwords required (default: not insecure). The test helper turns this off so agents connect tokenless. */
  mqttCredentials?: boolean
  adminToken?: string
  /** Broker and ingest limits (docs/security.md); unset ones take DEFAULT_LIMITS. */
  limits?: Partial<SecurityLimits>
  tls?: HubTls
  maxBatchBytes: number
  compactIntervalMs: number
  /** Head samples above which compaction runs even during an ingest burst (default 20 M; see compactionYields). */
  compactDeferSamples?: number
  /** Longest compaction is put off by a burst, ms (default 10 × compactIntervalMs; see compactionYields). */
  compactDeferMaxMs?: number
  clockPolicy?: Partial<ClockPolicy>
  /** Retention per kind, ms (issue 5; defaults: traces 7 d). */
  retentionMs?: { traces?: number; health?: number; metrics?: number; logs?: number; alerts?: number; selectors?: Array<{ match: Record<string, string>; metrics: number }> }
  /** Alerting (issue 6, docs/alerts.md). */
  alerts?: {
    /** YAML rules file provisioned at start (`--rules`). */
    rulesFile?: string
    /** YAML SLO file provisioned at start (`--slos`, docs/slo.md). */
    slosFile?: string
    /** Notifiers besides the MQTT alert topics, e.g. `{kind: 'webhook', url}`. */
    notifiers?: NotifierConfig[]
    /** `route`, `inhibit_rules`, `time_intervals` of the hub YAML (issue 17, docs/notifications.md). */
    routing?: { route?: unknown; inhibit_rules?: unknown; time_intervals?: unknown }
    /** Period of the alert engine's pass (default 1 s). */
    tickMs?: number
    /** Presence is trusted for offline rules only after a birth or this grace after start (default 60 s). */
    startupGraceMs?: number
    /** Firing alerts whose evidence is older than this plus the rule's window are replay, not announced (default 2 min). */
    freshnessMs?: number
    /** Beyond this many batches waiting for evaluation, ingest waits for the engine before acking (default 10,000). */
    maxBacklog?: number
  }
  /** Console (issue 12, docs/console.md). */
  console?: {
    /** YAML dashboards provisioned at start (`--dashboards`). */
    dashboardsFile?: string
    /** The built console (default: the package's dist/console). */
    dir?: string
    eventStream?: EventStreamOptions
  }
  /** Scheduled fleet reports (`reports:` in the hub YAML, docs/reports.md), checked at construction. */
  reports?: unknown[]
  /** Audit log (docs/security.md): record reads by API tokens; signed checkpoint period (default 10 min). */
  audit?: { reads?: boolean; checkpointIntervalMs?: number; checkpointEvery?: number }
  /** Anomaly detection (issue 18, docs/anomaly.md); unset fields take DEFAULT_ANOMALY_OPTIONS. */
  anomaly?: Partial<AnomalyOptions>
  /** Test-only hooks for crash and checker tests (never set by the CLI for users). */
  testing?: {
    dedupDisabled?: boolean
    afterWrite?: () => void
    /** Called after an alert state write that has notifications to send, before they are sent. */
    afterAlertStateWrite?: () => void
    /** Smaller compaction steps, so a crash test's compaction has many atomic writes to fall between. */
    compactBatchSamples?: number
    onCompactionStep?: (point: CompactionStepPoint, step: number) => void
  }
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
  clock?: () => number
}

/** TLS from PEM files (docs/security.md): mqtts beside or instead of plain MQTT, HTTPS for the API. */
export interface HubTls {
  cert: string
  key: string
  /** CA that signs client certificates (needed with requireClientCert). */
  ca?: string
  mqttPort: number
  requireClientCert: boolean
  /** Keep the plain MQTT listener beside mqtts. */
  plainMqtt: boolean
  /** Serve the API over HTTPS. */
  https: boolean
}

/** Telemetry this recent means an ingest burst is under way (see Hub.compactionYields). */
const COMPACTION_IDLE_MS = 250
const DEFAULT_COMPACT_DEFER_SAMPLES = 20_000_000

/** The hub: broker, ingest, store, API (DESIGN §1). */
export class Hub {
  readonly metrics = new HubMetrics()
  readonly db: Database
  readonly store: LevelMetricStore
  readonly traces: TraceStore
  readonly logs: LogStore
  readonly health: HealthStore
  readonly devices: DeviceRegistry
  readonly auth: AdminAuth
  readonly credentials: CredentialStore
  readonly audit: AuditLog
  readonly auditSigner: AuditSigner
  readonly limits: SecurityLimits
  /** Remote agent configuration, device labels and commands over the cmd topics (docs/agent.md). */
  readonly remote: RemoteService
  readonly anomaly: AnomalyService
  /** Live changes for consoles (GET /v1/events). */
  readonly events = new EventBus()
  readonly dashboards: DashboardStore
  /** The HTTP API (its route table is what the role tests enumerate). */
  api?: Hono
  alerts!: AlertService
  alertEngine?: AlertEngine
  mqttPort = 0
  mqttsPort?: number
  httpPort = 0
  /** Set when the hub generated an admin token on this start: print it once. */
  generatedAdminToken?: string
  private broker?: BrokerHandle
  private http?: ServerType
  private timers: NodeJS.Timeout[] = []
  private inflight = new Set<Promise<void>>()
  private accepting = false
  private lastTelemetryAt = -Infinity
  private compactionDeferredSince?: number
  private readonly clock: () => number
  private readonly fileRules?: Rule[]
  private readonly fileSlos?: Slo[]
  private readonly fileDashboards?: Dashboard[]
  private readonly reportSchedules: ReportSchedule[]
  /** Scheduled reports, when `reports:` names any (tests drive its tick). */
  reportScheduler?: ReportScheduler
  readonly slos: SloService
  private readonly notificationConfig: NotificationConfig
  notifications?: Notifications

  constructor(private readonly options: HubOptions) {
    this.clock = options.clock ?? Date.now
    // A bad rules file stops the hub before anything opens or listens.
    this.fileRules = options.alerts?.rulesFile ? loadRulesFile(options.alerts.rulesFile) : undefined
    this.fileSlos = options.alerts?.slosFile ? loadSlosFile(options.alerts.slosFile) : undefined
    this.fileDashboards = options.console?.dashboardsFile ? loadDashboardsFile(options.console.dashboardsFile) : undefined
    this.reportSchedules = parseReportSchedules(options.reports ?? [])
    this.notificationConfig = parseNotificationConfig(options.alerts?.notifiers ?? [], options.alerts?.routing)
    mkdirSync(options.data, { recursive: true, mode: 0o700 })
    this.db = createDatabase(options.data)
    this.traces = new LevelTraceStore(this.db, { retentionMs: options.retentionMs?.traces ?? 7 * 86_400_000 })
    this.health = new HealthStore(this.db, { retentionMs: options.retentionMs?.health ?? 30 * 86_400_000, clock: this.clock })
    this.logs = new BlockLogStore(this.db, { retentionMs: options.retentionMs?.logs ?? 14 * 86_400_000 })
    this.store = new LevelMetricStore(this.db, {
      clock: this.clock,
      participants: [this.traces, this.health, this.logs],
      compactBatchSamples: options.testing?.compactBatchSamples,
      onCompactionStep: options.testing?.onCompactionStep,
    })
    this.devices = new DeviceRegistry(this.db, this.clock)
    this.auth = new AdminAuth(this.db)
    this.credentials = new CredentialStore(this.db, this.auth, this.clock)
    // The signing key sits beside LevelDB's files in the data directory (LevelDB leaves names it does not know alone).
    this.auditSigner = AuditSigner.openOrCreate(join(options.data, 'audit-ed25519.pem'))
    this.audit = new AuditLog(this.db, this.clock, { signer: this.auditSigner, checkpointEvery: options.audit?.checkpointEvery })
    this.dashboards = new DashboardStore(this.db, this.clock)
    this.remote = new RemoteService({ db: this.db, clock: this.clock, log: options.log })
    this.limits = { ...DEFAULT_LIMITS, ...options.limits }
    this.slos = new SloService(this.db, { store: this.store, presence: this.devices.presence }, this.clock)
    this.anomaly = new AnomalyService(this.db, this.store, { ...DEFAULT_ANOMALY_OPTIONS, ...options.anomaly })
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
    const { migrated } = await this.audit.open()
    if (migrated > 0) log('info', 'audit log chained from the genesis marker', { records: migrated })
    this.generatedAdminToken = await this.auth.init(this.options.adminToken)

    await this.credentials.open()
    await this.dashboards.open()
    if (this.fileDashboards) await this.dashboards.provision(this.fileDashboards)
    await this.remote.open()

    const tls = this.options.tls
    const pem = tls && { cert: readFileSync(tls.cert), key: readFileSync(tls.key), ca: tls.ca ? readFileSync(tls.ca) : undefined }
    const sessions = new MqttSessions()
    const refused = (reason: LimitReason, client: Client | null) => {
      this.metrics.limited.inc({ reason })
      log('debug', 'refused by a limit or the ACL', { reason, client: client?.id })
      if (client?.id) this.devices.recordLimited(client.id, reason, 1, sessions.get(client)?.kind === 'device')
    }
    const hooks = mqttAccessHooks(
      {
        credentials: this.credentials,
        requireCredentials: this.options.mqttCredentials ?? !this.options.insecure,
        limits: this.limits,
        connectGuard: new ConnectGuard(this.limits, this.clock),
        rate: new PublishRate(this.limits.publishPerSecond, this.limits.publishBytesPerSecond, this.clock),
        peerOf: (client) => this.broker!.peerOf(client),
        refused,
        log,
      },
      sessions,
    )
    this.broker = await startBroker({
      host: this.options.host,
      port: !tls || tls.plainMqtt ? this.options.mqttPort : undefined,
      tls: tls && pem ? { ...pem, port: tls.mqttPort, requireClientCert: tls.requireClientCert } : undefined,
      maxPacketBytes: this.limits.maxPacketBytes,
      hooks,
      onPacketTooLarge: () => refused('packet_too_large', null),
    })
    this.mqttPort = this.broker.port
    this.mqttsPort = this.broker.tlsPort
    const batchLimits = new BatchLimits(this.limits)
    batchLimits.seed(await this.store.series({}))
    const engine = new AlertEngine({
      db: this.db,
      store: this.store,
      devices: this.devices,
      notifiers: (this.notifications = await createNotifications(this.notificationConfig, { broker: this.broker.broker, db: this.db, clock: this.clock, log })).engine,
      clock: this.clock,
      log,
      metrics: this.metrics,
      tickMs: this.options.alerts?.tickMs,
      startupGraceMs: this.options.alerts?.startupGraceMs,
      freshnessMs: this.options.alerts?.freshnessMs,
      maxBacklog: this.options.alerts?.maxBacklog,
      slos: this.slos,
      anomaly: this.anomaly,
      onCommitted: (alerts, events) => publishAlertEvents(this.events, alerts, events),
      afterStateWrite: this.options.testing?.afterAlertStateWrite,
    })
    this.alertEngine = engine
    this.alerts = new AlertService(engine, this.clock)
    await engine.start()
    if (fileRules) await this.alerts.provision(fileRules)
    await this.slos.open(this.alerts)
    if (this.fileSlos) await this.slos.provision(this.fileSlos)
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
      limitBatch: (device, batch) => {
        const limited = batchLimits.apply(device, batch)
        for (const [reason, n] of Object.entries(limited.refused)) {
          this.metrics.limited.inc({ reason }, n)
          this.devices.recordLimited(device, reason, n, true)
        }
        return limited.batch
      },
      onStored: (device, batch, shift) => {
        if (!batch.hist) {
          const backlog = backlogOf(batch)
          if (backlog) this.devices.recordBacklog(device, backlog)
        }
        publishErrorLogs(this.events, device, batch)
        return engine.onBatch(device, batch, shift)
      },
      clock: this.clock,
      log,
    }
    this.broker.broker.on('publish', (packet, client) => this.onPublish(ingestDeps, packet, client))
    await this.remote.attach(this.broker.broker)
    this.broker.broker.on('client', () => this.metrics.mqttClients.set(this.broker!.broker.connectedClients))
    this.broker.broker.on('clientDisconnect', () => this.metrics.mqttClients.set(this.broker!.broker.connectedClients))
    this.accepting = true

    const deviceData: DeviceDataDeps = {
      store: this.store,
      logs: this.logs,
      traces: this.traces,
      health: this.health,
      alerts: this.alerts,
      devices: this.devices,
      credentials: this.credentials,
      audit: this.audit,
      endSession: async (id) => {
        const was = this.broker ? await endDeviceSession(this.broker, id) : false
        return was
      },
      forgetLimits: (id) => batchLimits.forget(id),
      clock: this.clock,
    }
    const app = (this.api = createApi({
      store: this.store,
      traces: this.traces,
      logs: this.logs,
      health: this.health,
      alerts: this.alerts,
      slos: this.slos,
      anomaly: this.anomaly,
      notifications: { attempts: this.notifications.attempts, receivers: this.notifications.receivers },
      devices: this.devices,
      metrics: this.metrics,
      credentials: this.credentials,
      audit: this.audit,
      remote: this.remote,
      verifyAudit: () => verifyAudit(this.audit, this.auditSigner),
      auditReads: this.options.audit?.reads,
      dashboards: this.dashboards,
      events: this.events,
      eventStream: this.options.console?.eventStream,
      consoleDir: this.options.console?.dir,
      revokeDevice: (id, by) => this.revokeDevice(id, by),
      purgeDevice: (id, by) => purgeDevice(deviceData, id, by),
      exportDevice: (id) => exportDevice(deviceData, id),
      insecure: this.options.insecure,
      limits: DEFAULT_QUERY_LIMITS,
      ready: () => this.accepting,
      clock: this.clock,
      log,
    }))
    this.http = await new Promise<ServerType>((resolve) => {
      const https = tls?.https && pem ? { createServer: createHttpsServer, serverOptions: { cert: pem.cert, key: pem.key } } : {}
      const server = serve({ fetch: app.fetch, hostname: this.options.host, port: this.options.httpPort, ...https }, () => resolve(server))
    })
    const address = this.http.address()
    this.httpPort = typeof address === 'object' && address ? address.port : this.options.httpPort

    this.every(this.options.compactIntervalMs, async () => {
      if (this.compactionYields()) {
        this.metrics.compactionsDeferred.inc()
        return
      }
      this.compactionDeferredSince = undefined
      await this.store.compact()
      this.metrics.compactions.inc()
    })
    this.every(5_000, () => this.devices.flush())
    this.every(this.options.audit?.checkpointIntervalMs ?? 600_000, () => this.audit.checkpoint())
    if (this.reportSchedules.length > 0) {
      const reportDeps = { store: this.store, logs: this.logs, devices: this.devices, alerts: this.alerts, slos: this.slos, clock: this.clock }
      const scheduler = (this.reportScheduler = new ReportScheduler(this.db, this.reportSchedules, reportDeps, { broker: this.broker.broker, db: this.db, clock: this.clock, log }))
      await scheduler.start()
      this.every(scheduler.checkEveryMs, () => scheduler.tick())
    }
    // Anomaly states, scores and events: one atomic write per pass, in the engine's order of steps.
    const anomalyOptions = { ...DEFAULT_ANOMALY_OPTIONS, ...this.options.anomaly }
    this.every(anomalyOptions.checkpointMs, () => engine.run(() => this.anomaly.checkpoint()))
    this.every(3_600_000, () => this.anomaly.prune(this.clock() - (this.options.retentionMs?.metrics ?? 30 * 86_400_000)))
    this.every(60_000, () => this.traces.prune(this.clock()))
    // Logs are deleted by whole UTC days; a pass with nothing expired costs nothing.
    this.every(this.options.compactIntervalMs, () => this.logs.prune(this.clock()))
    // Metric retention deletes whole rows; it scans chunk keys only when the cutoff enters a new window.
    this.every(this.options.compactIntervalMs, () => this.store.prune(this.clock(), this.options.retentionMs?.metrics ?? 30 * 86_400_000))
    this.every(3_600_000, () => this.health.prune(this.clock()))
    // Retention per label selector (e.g. site=lab keeps 7 d): metric series matching it lose chunks sooner.
    for (const sel of this.options.retentionMs?.selectors ?? []) {
      this.every(this.options.compactIntervalMs * 10, () => this.store.pruneSelected(this.clock(), sel.match, sel.metrics))
    }
    // Resolved alerts and their history; silences expire by themselves and stay listed until deleted.
    this.every(3_600_000, () => engine.run(() => engine.store.prune(this.clock() - (this.options.retentionMs?.alerts ?? 90 * 86_400_000))))
    log('info', 'hub started', { mqtt: `${this.options.host}:${this.mqttPort}`, mqtts: this.mqttsPort, http: `${this.options.host}:${this.httpPort}` })
  }

  /** The embedded broker, for in-process observers (server-side subscriptions bypass the client ACL). */
  get aedes(): Aedes | undefined {
    return this.broker?.broker
  }

  /** Revokes a device's credentials and ends its live session at once (issue 7); both are in the audit log. */
  async revokeDevice(id: string, by: string): Promise<void> {
    await this.credentials.revokeDevice(id)
    const wasConnected = this.broker ? await endDeviceSession(this.broker, id) : false
    if (this.devices.get(id)) {
      await this.devices.applyStatus(id, { state: 'offline' })
      this.events.publish({ type: 'device', device: id, online: false, at: this.clock() })
    }
    await this.audit.record({ actor: by, method: 'hub', route: 'device.session_ended', target: id, summary: { wasConnected } })
  }

  /** Stops intake, lets in-flight batches finish (they get their acks), then closes the store. */
  async stop(): Promise<void> {
    this.accepting = false
    for (const t of this.timers) clearInterval(t)
    await Promise.allSettled([...this.inflight])
    await this.remote.close()
    await this.alertEngine?.stop()
    await this.reportScheduler?.stop()
    await this.anomaly.checkpoint()
    await this.broker?.close()
    // Open /v1/events streams end first: the HTTP server's close waits for every open response.
    this.events.close()
    await new Promise<void>((resolve) => (this.http ? this.http.close(() => resolve()) : resolve()))
    await this.devices.flush()
    await this.audit.checkpoint()
    await this.store.close()
    await this.traces.close()
    await this.logs.close()
    await this.db.close()
  }

  /**
   * Compaction is background work (DESIGN §6): it yields to a burst of telemetry (a fleet's backlog after an outage)
   * so the two cores go to storing and acking, and catches up once the burst pauses. A head past
   * compactDeferSamples, or put off for compactDeferMaxMs, is compacted regardless: a hub under steady load
   * (telemetry always in the last 250 ms) still compacts, and no burst grows the head without bound.
   */
  private compactionYields(): boolean {
    const now = performance.now()
    if (now - this.lastTelemetryAt >= COMPACTION_IDLE_MS) return false
    if (this.store.stats().headSamples >= (this.options.compactDeferSamples ?? DEFAULT_COMPACT_DEFER_SAMPLES)) return false
    this.compactionDeferredSince ??= now
    return now - this.compactionDeferredSince < (this.options.compactDeferMaxMs ?? 10 * this.options.compactIntervalMs)
  }

  private onPublish(deps: IngestDeps, packet: AedesPublishPacket, client: Client | null): void {
    const parsed = parseDeviceTopic(packet.topic)
    if (!parsed || !this.accepting) return
    if (parsed.kind === 'telemetry' && client) {
      this.lastTelemetryAt = performance.now()
      this.track(ingestTelemetry(deps, parsed.device, client.id, packet.payload as Buffer))
    } else if (parsed.kind === 'cmd/reply' && client) {
      this.track(this.remote.onReply(parsed.device, packet.payload as Buffer))
    } else if (parsed.kind === 'status' && packet.payload.length > 0) {
      try {
        const status = decodeStatus(packet.payload as Buffer)
        this.track(this.devices.applyStatus(parsed.device, status))
        this.events.publish({ type: 'device', device: parsed.device, online: status.state === 'online', at: this.clock() })
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
