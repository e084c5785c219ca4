// What hub modules share: the parts built at construction, and those modules set as the hub starts.
import type { Aedes } from 'aedes'
import type { Hono } from 'hono'
import type { Database } from './storage/db.js'
import type { StorageMonitor } from './storage/space.js'
import type { AdmissionQueue } from './limits/admission.js'
import type { ClusterLink } from './cluster/cluster-link.js'
import type { LevelMetricStore } from './metrics/store/index.js'
import type { TraceStore } from './traces/index.js'
import type { LogStore } from './logs/index.js'
import type { HealthStore } from './health/types.js'
import type { DeviceRegistry } from './devices.js'
import type { HubMetrics } from './self-metrics.js'
import type { AdminAuth } from './auth.js'
import type { BrokerHandle } from './broker.js'
import type { CredentialStore } from './security/credentials.js'
import type { AuditLog } from './audit/audit-log.js'
import type { AuditSigner } from './audit/signer.js'
import type { SecurityLimits } from './limits/config.js'
import type { BatchLimits } from './limits/batch-limits.js'
import type { AlertEngine } from './alerts/engine.js'
import type { AlertService } from './alerts/service.js'
import type { SloService } from './slo/service.js'
import type { ReportScheduler } from './reports/schedule.js'
import type { AnomalyService } from './anomaly/service.js'
import type { Notifications } from './alerts/notifications.js'
import type { EventBus } from './events/event-bus.js'
import type { DashboardStore } from './dashboards/store.js'
import type { RemoteService } from './remote/remote-service.js'
import type { HubOptions } from './options.js'
import type { HubSettings } from './settings.js'
import type { Leadership } from './cluster/leader.js'
import type { DeviceClaims } from './cluster/claims.js'

export type HubLog = HubOptions['log']

/** The hub's parts as modules see them (the Hub implements it); fields a module sets are mutable. */
export interface HubContext {
  readonly options: HubOptions
  /** The settings, defaults filled in. */
  readonly settings: HubSettings
  readonly log: HubLog
  readonly clock: () => number
  readonly metrics: HubMetrics
  readonly db: Database
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
  /** Per-device series and label limits; the intake seeds it, the API forgets a purged device. */
  readonly batchLimits: BatchLimits
  readonly remote: RemoteService
  readonly anomaly: AnomalyService
  readonly slos: SloService
  readonly events: EventBus
  readonly dashboards: DashboardStore
  /** Whether this hub runs the singletons: always for a hub alone, the lock holder's in a cluster (docs/cluster.md). */
  readonly leadership: Leadership
  /** With a shared store: which devices this hub writes for, and its id slot (hub/cluster/claims.ts). */
  readonly claims?: DeviceClaims

  /** Set by the security module: the admin token generated on this start, to print once. */
  generatedAdminToken?: string
  /** Set by the broker module. */
  broker?: BrokerHandle
  /** Connections waiting for their CONNACK (set by the broker module; GET /v1/status reads it). */
  admission?: AdmissionQueue
  /** The link to the other hubs' brokers through Redis (`--cluster`; set by the broker module). */
  cluster?: ClusterLink
  mqttPort: number
  mqttsPort?: number
  /** Set by the alerts module. */
  alertEngine?: AlertEngine
  alerts: AlertService
  notifications?: Notifications
  /** Set by the reports module when `reports:` names any. */
  reportScheduler?: ReportScheduler
  /** Set by the API module. */
  api?: Hono
  httpPort: number

  /** The embedded broker, once the broker module started. */
  readonly aedes: Aedes | undefined
  revokeDevice(id: string, by: string): Promise<void>
}
