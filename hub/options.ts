// The hub's options: its settings, section by section as in the YAML (hub/settings.ts; the CLI passes them through
// as they are, and tests set the few they need), plus what only code can give: a logger, a clock, test hooks.
import type { EventStreamOptions } from './api/routes/events.js'
import type { CompactionStepPoint } from './metrics/store/index.js'
import type { PartialHubSettings } from './settings.js'

export interface HubOptions extends Omit<PartialHubSettings, 'logLevel'> {
  /** MQTT passwords required (default: not insecure). The test helper turns this off so agents connect tokenless. */
  mqttCredentials?: boolean
  /** Console (issue 12, docs/console.md); dashboards provisioned at start are the `dashboards` setting. */
  console?: {
    /** The built console (default: the package's dist/console). */
    dir?: string
    eventStream?: EventStreamOptions
  }
  /** Test-only hooks and knobs for crash, checker and back-pressure tests (never set by the CLI for users). */
  testing?: {
    dedupDisabled?: boolean
    afterWrite?: () => void
    /** Called after an alert state write that has notifications to send, before they are sent. */
    afterAlertStateWrite?: () => void
    /** Smaller compaction steps, so a crash test's compaction has many atomic writes to fall between. */
    compactBatchSamples?: number
    onCompactionStep?: (point: CompactionStepPoint, step: number) => void
    /** Beyond this many batches waiting for evaluation, ingest waits for the alert engine before acking (default 10,000). */
    alertMaxBacklog?: number
    /** A client slowed down by more than this is disconnected (default 10 s; limits.publishRate sets the rate). */
    maxThrottleMs?: number
  }
  /** The package version, shown by GET /v1/status (the CLI passes it). */
  version?: string
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
  /** The hub's clock (default Date.now); the `clock` setting is the policy for devices' clocks. */
  now?: () => number
}
