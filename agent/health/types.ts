// DESIGN §1: health check kinds are plugins with one explicit registry (./registry.ts).
import type { HealthStatus } from '../../protocol/batch.js'

/** What one run of a probe found. The scheduler adds the check's name, kind, timestamp and latency. */
export interface ProbeOutcome {
  status: HealthStatus
  message?: string
}

/**
 * A configured probe of one target. `probe` should stop work when `signal` aborts (timeout or agent stop); the
 * scheduler does not wait for it past the timeout either way. It may reject: the scheduler reports `unknown`.
 */
export interface HealthProbe {
  probe(signal: AbortSignal): Promise<ProbeOutcome>
}

/** Settings every `health:` entry has, whatever its kind. */
export interface HealthCheckCommon {
  name: string
  kind: string
  intervalMs: number
  timeoutMs: number
}

/** One entry of the `health:` list, checked and ready to run. */
export interface HealthCheck extends HealthCheckCommon {
  probe: HealthProbe
}

export type HealthLogLevel = 'debug' | 'info' | 'warning' | 'error'

/** What the agent hands a probe: dependencies come in here, never from module-level state. */
export interface HealthCheckContext {
  log: (level: HealthLogLevel, msg: string, extra?: Record<string, unknown>) => void
}

/**
 * A kind of health check. `parseOptions` gets the entry's own keys (all but name, kind, interval, timeout), checks
 * them with no I/O and fills defaults, throwing `HealthConfigError` (./options.ts) naming the key relative to the
 * entry (`url`, `status[1]`); `create` builds the probe.
 */
export interface HealthKindPlugin<Options = unknown> {
  kind: string
  description: string
  parseOptions(raw: Record<string, unknown>): Options
  create(options: Options, common: HealthCheckCommon, ctx: HealthCheckContext): HealthProbe
}
