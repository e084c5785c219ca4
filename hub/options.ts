// The hub's options: what the CLI's settings give it (cli/factories.ts) and what tests and benches set directly.
import type { SecurityLimits } from './limits/config.js'
import type { ClockPolicy } from './clock.js'
import type { AnomalyOptions } from './anomaly/service.js'
import type { NotifierConfig } from './alerts/notifiers/registry.js'
import type { EventStreamOptions } from './api/routes/events.js'
import type { CompactionStepPoint } from './metrics/store/index.js'

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
