import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Aedes } from 'aedes'
import type { Hono } from 'hono'
import type { Database } from './storage/db.js'
import type { StorageMonitor } from './storage/space.js'
import { createStore } from './storage/open-store.js'
import { LevelMetricStore } from './metrics/store/index.js'
import { BlockTraceStore, type TraceStore } from './traces/index.js'
import { BlockLogStore, type LogStore } from './logs/index.js'
import { LevelHealthStore } from './health/level-health-store.js'
import type { HealthStore } from './health/types.js'
import { DeviceRegistry } from './devices.js'
import { levelDeviceStores } from './device-store/level-device-store.js'
import { HubMetrics } from './self-metrics.js'
import { AdminAuth } from './auth.js'
import type { BrokerHandle } from './broker.js'
import type { AdmissionQueue } from './limits/admission.js'
import type { ClusterLink } from './cluster/cluster-link.js'
import { clusterModule } from './cluster/module.js'
import { CredentialStore } from './security/credentials.js'
import { LevelCredentialRecords } from './security/level-credential-records.js'
import { AuditLog } from './audit/audit-log.js'
import { LevelAuditStore } from './audit/level-audit-store.js'
import { AuditSigner } from './audit/signer.js'
import type { SecurityLimits } from './limits/config.js'
import { BatchLimits } from './limits/batch-limits.js'
import type { AlertEngine } from './alerts/engine.js'
import type { AlertService } from './alerts/service.js'
import { loadRulesFile } from './alerts/provision.js'
import { loadSlosFile } from './slo/provision.js'
import { SloService } from './slo/service.js'
import { parseReportSchedules, type ReportScheduler, type ReportSchedule } from './reports/schedule.js'
import type { Slo } from './slo/schema.js'
import type { Rule } from './alerts/rule-schema.js'
import { AnomalyService } from './anomaly/service.js'
import type { NotifierConfig } from './alerts/notifiers/registry.js'
import { parseNotificationConfig, type NotificationConfig, type Notifications } from './alerts/notifications.js'
import { EventBus } from './events/event-bus.js'
import { DashboardStore } from './dashboards/store.js'
import { loadDashboardsFile } from './dashboards/provision.js'
import type { Dashboard } from './dashboards/schema.js'
import { RemoteService } from './remote/remote-service.js'
import type { HubOptions } from './options.js'
import { anomalyOptions, securityLimits, withHubDefaults, type HubSettings } from './settings.js'
import type { HubContext } from './context.js'
import { Lifecycle } from './lifecycle.js'
import type { Leadership } from './cluster/leader.js'
import type { DeviceClaims } from './cluster/claims.js'
import { sharedStoreModule, sharedStoreParts } from './cluster/shared-store.js'
import { storesModule } from './stores-module.js'
import { presenceModule } from './presence-module.js'
import { auditModule } from './audit/module.js'
import { securityModule } from './security/module.js'
import { revokeDevice } from './security/revocation.js'
import { dashboardsModule } from './dashboards/module.js'
import { anomalyModule } from './anomaly/module.js'
import { brokerModule, readPem } from './broker-module.js'
import { alertsModule } from './alerts/module.js'
import { sloModule } from './slo/module.js'
import { reportsModule } from './reports/module.js'
import { remoteModule } from './remote/module.js'
import { apiModule } from './api/module.js'
import { intakeModule } from './intake-module.js'
import { compactionModule } from './metrics/compaction-module.js'
import { retentionModule } from './retention-module.js'

export type { HubOptions } from './options.js'

/** The hub: broker, ingest, store, API (DESIGN §1), as the list of modules in Hub.start (docs/architecture.md). */
export class Hub implements HubContext {
  readonly metrics = new HubMetrics()
  readonly db: Database
  /** The disk under the database: full pauses ingest without acks, until it has room again (docs/delivery.md). */
  readonly space: StorageMonitor
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
  readonly batchLimits: BatchLimits
  /** Remote agent configuration, device labels and commands over the cmd topics (docs/agent.md). */
  readonly remote: RemoteService
  readonly anomaly: AnomalyService
  /** Live changes for consoles (GET /v1/events). */
  readonly events = new EventBus()
  readonly dashboards: DashboardStore
  readonly slos: SloService
  /** The settings, defaults filled in (hub/settings.ts). */
  readonly settings: HubSettings
  readonly log: HubOptions['log']
  readonly clock: () => number
  readonly leadership: Leadership
  readonly claims?: DeviceClaims
  /** The HTTP API (its route table is what the role tests enumerate). */
  api?: Hono
  alerts!: AlertService
  alertEngine?: AlertEngine
  notifications?: Notifications
  /** Scheduled reports, when `reports:` names any (tests drive its tick). */
  reportScheduler?: ReportScheduler
  broker?: BrokerHandle
  admission?: AdmissionQueue
  cluster?: ClusterLink
  mqttPort = 0
  mqttsPort?: number
  httpPort = 0
  /** Set when the hub generated an admin token on this start: print it once. */
  generatedAdminToken?: string
  private lifecycle?: Lifecycle
  private readonly fileRules?: Rule[]
  private readonly fileSlos?: Slo[]
  private readonly fileDashboards?: Dashboard[]
  private readonly reportSchedules: ReportSchedule[]
  private readonly notificationConfig: NotificationConfig

  constructor(readonly options: HubOptions) {
    const settings = (this.settings = withHubDefaults(options))
    this.clock = options.now ?? Date.now
    this.log = options.log
    // Several hubs on one PostgreSQL store: a leader lock and the claims (docs/cluster.md).
    const shared = sharedStoreParts(settings.store, options.log, {
      onTaken: async (device) => {
        await this.store.takeDevice(device)
        await this.devices.reload(device)
        // The series it made on other hubs count towards its limit here.
        this.batchLimits.forget(device)
        this.batchLimits.seed(await this.store.series({ labels: { device } }))
      },
      beforeRelease: async () => {
        await this.store.idle()
        await this.devices.flush()
      },
    })
    this.leadership = shared.leadership
    this.claims = shared.claims
    // A bad rules file stops the hub before anything opens or listens.
    this.fileRules = settings.rules ? loadRulesFile(settings.rules) : undefined
    this.fileSlos = settings.slos ? loadSlosFile(settings.slos) : undefined
    this.fileDashboards = settings.dashboards ? loadDashboardsFile(settings.dashboards) : undefined
    this.reportSchedules = parseReportSchedules(settings.reports)
    this.notificationConfig = parseNotificationConfig(settings.notifiers as NotifierConfig[], { route: settings.route, inhibit_rules: settings.inhibit_rules, time_intervals: settings.time_intervals })
    mkdirSync(settings.data, { recursive: true, mode: 0o700 })
    // The embedded LevelDB in the data dir, or PostgreSQL with --store (the data dir then keeps local files only);
    // there, leader-only writes carry the leader's term (hub/cluster/leader.ts).
    const opened = createStore(settings.data, settings.store, { clock: this.clock, log: options.log, onChange: (full) => this.metrics.storageFull.set(full ? 1 : 0), fence: () => this.leadership.currentFence() })
    this.db = opened.db
    this.space = opened.monitor
    this.traces = new BlockTraceStore(this.db, { retentionMs: settings.retention.traces })
    this.health = new LevelHealthStore(this.db, { retentionMs: settings.retention.health, clock: this.clock })
    this.logs = new BlockLogStore(this.db, { retentionMs: settings.retention.logs })
    this.store = new LevelMetricStore(this.db, {
      clock: this.clock,
      participants: [this.traces, this.health, this.logs],
      // The slot is taken when the store opens, after the database opened (a refused schema takes nothing).
      shared: shared.claims ? { slot: async () => (await shared.claims!.start(), shared.claims!.slot) } : undefined,
      compactBatchSamples: options.testing?.compactBatchSamples,
      onCompactionStep: options.testing?.onCompactionStep,
    })
    this.devices = new DeviceRegistry(levelDeviceStores(this.db), this.clock)
    this.auth = new AdminAuth(this.db)
    this.credentials = new CredentialStore(new LevelCredentialRecords(this.db), this.auth, this.clock)
    if (shared.claims) this.credentials.shareStore()
    if (shared.claims) this.devices.shareStore((id) => this.broker?.client(id) !== undefined)
    // The signing key sits beside LevelDB's files in the data directory (LevelDB leaves names it does not know alone).
    this.auditSigner = AuditSigner.openOrCreate(join(settings.data, 'audit-ed25519.pem'))
    this.audit = new AuditLog(new LevelAuditStore(this.db), this.clock, { signer: this.auditSigner })
    this.dashboards = new DashboardStore(this.db, this.clock)
    this.remote = new RemoteService({ db: this.db, clock: this.clock, log: options.log })
    this.limits = securityLimits(settings.limits, options.testing?.maxThrottleMs)
    this.batchLimits = new BatchLimits(this.limits)
    this.slos = new SloService(this.db, { store: this.store, presence: this.devices.presence }, this.clock)
    this.anomaly = new AnomalyService(this.db, this.store, anomalyOptions(settings.anomaly))
  }

  /** Starts the modules in this order; stop() stops them in reverse (hub/lifecycle.ts). */
  async start(): Promise<void> {
    const pem = readPem(this)
    const intake = intakeModule(this)
    const lifecycle = (this.lifecycle = new Lifecycle(this.log, this.leadership))
    await lifecycle.start([
      storesModule(this),
      sharedStoreModule(this, this.claims),
      presenceModule(this),
      auditModule(this),
      securityModule(this),
      dashboardsModule(this, this.fileDashboards),
      anomalyModule(this),
      brokerModule(this, pem),
      alertsModule(this, this.notificationConfig, this.fileRules),
      sloModule(this, this.fileSlos),
      reportsModule(this, this.reportSchedules),
      remoteModule(this),
      clusterModule(this),
      apiModule(this, pem, intake.accepting),
      intake,
      compactionModule(this, intake.lastTelemetryAt),
      retentionModule(this),
    ])
    const { host } = this.settings
    this.log('info', 'hub started', { mqtt: `${host}:${this.mqttPort}`, mqtts: this.mqttsPort, http: `${host}:${this.httpPort}` })
  }

  /** Stops intake first (in-flight batches finish and get their acks), the stores last. */
  async stop(): Promise<void> {
    await this.lifecycle?.stop()
  }

  /** The embedded broker, for in-process observers (server-side subscriptions bypass the client ACL). */
  get aedes(): Aedes | undefined {
    return this.broker?.broker
  }

  /** Revokes a device's credentials and ends its live session at once (issue 7); both are in the audit log. */
  revokeDevice(id: string, by: string): Promise<void> {
    return revokeDevice(this, id, by)
  }
}
