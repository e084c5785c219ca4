// DESIGN §1: health check kinds are plugins (kit/plugin.ts) with one explicit registry (./registry.ts).
import type * as z from 'zod'
import type { Logger } from '../../kit/log.js'
import type { Plugin } from '../../kit/plugin.js'
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

/** What the agent hands a probe: the check it serves and a logger, never module-level state. */
export interface HealthCheckContext {
  log: Logger
}

/** What `create` gets: the agent's context plus the check's common settings. */
export interface HealthProbeContext extends HealthCheckContext {
  check: HealthCheckCommon
}

/**
 * A kind of health check. Its `options` schema gets the entry's own keys (all but name, kind, interval, timeout),
 * checks them with no I/O and fills defaults, naming the key relative to the entry (`url`, `status[1]`);
 * `create` builds the probe.
 */
export type HealthKindPlugin<Schema extends z.ZodType = z.ZodType> = Plugin<Schema, HealthProbeContext, HealthProbe>
