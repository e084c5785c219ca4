import { existsSync, readFileSync } from 'node:fs'
import { Agent } from '../agent/agent.js'
import { createCollectors } from '../agent/collectors/registry.js'
import type { Collector } from '../agent/collectors/types.js'
import { createHealthChecks } from '../agent/health/registry.js'
import { OptionsError } from '../kit/options.js'
import { ConfigError } from './config.js'
import { createInputs } from '../agent/inputs/registry.js'
import { hostInfo } from '../agent/host-info.js'
import { Hub, type HubTls } from '../hub/hub.js'
import type { SecurityLimits } from '../hub/limits/config.js'
import type { NotifierConfig } from '../hub/alerts/notifiers/registry.js'
import { AlertConfigError } from '../hub/alerts/rule-schema.js'
import type { LogFn } from './log.js'
import type { AgentSettings, HubSettings } from './settings.js'

/** The package's version, read from package.json whether running from source (cli/) or the build (dist/cli/). */
export function packageVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string }
      if (pkg.name === 'outpost') return pkg.version
    } catch {}
  }
  return '0.0.0'
}

// Test-only switches, read from the environment so no user-facing flag exposes them. The crash and checker tests
// use them to inject a hub crash between write and ack or inside compaction, to prove the checker sees duplicates,
// and to skew a clock.
function hubTestingHooks(log: LogFn) {
  const crashAfter = Number(process.env.OUTPOST_TEST_CRASH_AFTER_WRITE ?? 0)
  const compactBatchSamples = Number(process.env.OUTPOST_TEST_COMPACT_BATCH_SAMPLES ?? 0)
  // `before-write:N` or `after-write:N`: SIGKILL around the atomic write of this process's Nth compaction step.
  const killAt = /^(before-write|after-write):(\d+)$/.exec(process.env.OUTPOST_TEST_COMPACT_KILL_AT ?? '')
  let writes = 0
  return {
    dedupDisabled: process.env.OUTPOST_TEST_DEDUP_OFF === '1',
    compactBatchSamples: compactBatchSamples > 0 ? compactBatchSamples : undefined,
    onCompactionStep: killAt
      ? (point: string, step: number) => {
          if (point === killAt[1] && step === Number(killAt[2])) {
            log('warning', `test hook: SIGKILL ${point} of compaction step ${step}`)
            process.kill(process.pid, 'SIGKILL')
          }
        }
      : undefined,
    // SIGKILL after the alert engine wrote a state that is to be announced, before any notifier had it.
    afterAlertStateWrite:
      process.env.OUTPOST_TEST_CRASH_AFTER_ALERT_WRITE === '1'
        ? () => {
            log('warning', 'test hook: SIGKILL after an alert state write, before its notification')
            process.kill(process.pid, 'SIGKILL')
          }
        : undefined,
    afterWrite:
      crashAfter > 0
        ? () => {
            if (++writes === crashAfter) {
              log('warning', 'test hook: SIGKILL after a durable write, before its ack')
              process.kill(process.pid, 'SIGKILL')
            }
          }
        : undefined,
  }
}

function skewedClock(): (() => number) | undefined {
  const skew = Number(process.env.OUTPOST_TEST_CLOCK_SKEW_MS ?? 0)
  return skew ? () => Date.now() + skew : undefined
}

/** TLS settings checked together: a certificate needs its key, client certificates need a CA. */
function hubTls(t: HubSettings['tls'] | undefined): HubTls | undefined {
  if (!t || (!t.cert && !t.key)) {
    if (t?.clientCerts) throw new ConfigError('tls.clientCerts: needs tls.cert, tls.key and tls.ca')
    return undefined
  }
  if (!t.cert || !t.key) throw new ConfigError(`tls.${t.cert ? 'key' : 'cert'}: required when tls.${t.cert ? 'cert' : 'key'} is set`)
  if (t.clientCerts && !t.ca) throw new ConfigError('tls.ca: required with tls.clientCerts')
  for (const [key, file] of Object.entries({ cert: t.cert, key: t.key, ca: t.ca })) {
    if (file !== undefined && !existsSync(file)) throw new ConfigError(`tls.${key}: no such file ${file}`)
  }
  return { cert: t.cert, key: t.key, ca: t.ca, mqttPort: t.mqttPort, requireClientCert: t.clientCerts, plainMqtt: t.plainMqtt, https: t.https }
}

function hubLimits(l: HubSettings['limits'] | undefined): Partial<SecurityLimits> | undefined {
  if (!l) return undefined
  if (l.keepaliveMin > l.keepaliveMax) throw new ConfigError('limits.keepaliveMin: must not exceed limits.keepaliveMax')
  return {
    maxPacketBytes: l.maxPacket,
    publishPerSecond: l.publishRate,
    publishBytesPerSecond: l.publishBytes,
    connectAttemptsPerId: l.connectAttemptsPerId,
    connectAttemptsPerAddress: l.connectAttemptsPerAddress,
    connectWindowMs: l.connectWindow,
    banMs: l.ban,
    keepaliveMinSeconds: l.keepaliveMin,
    keepaliveMaxSeconds: l.keepaliveMax,
    seriesPerDevice: l.seriesPerDevice,
    labelsPerSeries: l.labelsPerSeries,
    labelValueBytes: l.labelValue,
    logLineBytes: l.logLine,
  }
}

/** `source` is the YAML file the settings came from: a config error names it, then the key. */
export function hubFromSettings(s: HubSettings, log: LogFn, source?: string): Hub {
  try {
    return newHub(s, log)
  } catch (err) {
    throw err instanceof AlertConfigError ? new ConfigError(source ? `${source}: ${err.message}` : err.message) : err
  }
}

function newHub(s: HubSettings, log: LogFn): Hub {
  return new Hub({
    data: s.data,
    host: s.host,
    mqttPort: s.mqttPort,
    httpPort: s.httpPort,
    insecure: s.insecure,
    adminToken: s.adminToken,
    tls: hubTls(s.tls),
    limits: hubLimits(s.limits),
    maxBatchBytes: s.maxBatchBytes,
    compactIntervalMs: s.compactInterval,
    compactDeferSamples: s.compactDeferSamples,
    compactDeferMaxMs: s.compactDeferMax,
    clockPolicy: { correctAboveMs: s.clock.correctAbove, maxAheadMs: s.clock.maxAhead, maxBehindMs: s.clock.maxBehind },
    retentionMs: { metrics: s.retention.metrics, traces: s.retention.traces, health: s.retention.health, logs: s.retention.logs, alerts: s.retention.alerts, selectors: s.retention.selectors },
    alerts: {
      rulesFile: s.rules,
      slosFile: s.slos,
      notifiers: s.notifiers as NotifierConfig[],
      routing: { route: s.route, inhibit_rules: s.inhibit_rules, time_intervals: s.time_intervals },
      tickMs: s.alerts.evalInterval,
      startupGraceMs: s.alerts.startupGrace,
    },
    reports: s.reports,
    audit: { reads: s.audit.reads, checkpointIntervalMs: s.audit.checkpointInterval },
    anomaly: {
      detect: s.anomaly.detect,
      threshold: s.anomaly.threshold,
      quiet: s.anomaly.eventQuiet,
      checkpointMs: s.anomaly.checkpoint,
      historyMs: s.anomaly.history,
      detectors: s.anomaly.detectors,
    },
    testing: hubTestingHooks(log),
    log,
  })
}

export function agentFromSettings(s: AgentSettings, log: LogFn, collectors?: Collector[]): Agent {
  return new Agent({
    id: s.id,
    hub: s.hub,
    token: s.token,
    tls: s.tls && { ca: readPem(s.tls.ca, 'tls.ca'), cert: readPem(s.tls.cert, 'tls.cert'), key: readPem(s.tls.key, 'tls.key') },
    data: s.data,
    intervalMs: s.interval,
    version: packageVersion(),
    buffer: s.buffer,
    maxBatchSamples: s.batch.maxSamples,
    uplink: {
      inflight: s.uplink.inflight,
      ackTimeoutMs: s.uplink.ackTimeout,
      reconnectBaseMs: s.uplink.reconnectMin,
      reconnectMaxMs: s.uplink.reconnectMax,
      banWaitMs: s.uplink.banWait,
      keepaliveSeconds: s.uplink.keepalive,
      maxBytesPerSecond: s.uplink.maxBytesPerSecond,
    },
    collectors: collectors ?? asConfigError(() => createCollectors(s.collectors, { log })),
    healthChecks: asConfigError(() => createHealthChecks(s.health, { log })),
    inputs: asConfigError(() => createInputs(s)),
    listen: s.listen,
    clock: skewedClock(),
    hostInfo,
    log,
  })
}

function readPem(file: string | undefined, key: string): Buffer | undefined {
  if (file === undefined) return undefined
  if (!existsSync(file)) throw new ConfigError(`${key}: no such file ${file}`)
  return readFileSync(file)
}

/** A bad collector, health or input entry stops the agent like any bad setting: one line naming the key. */
function asConfigError<T>(build: () => T): T {
  try {
    return build()
  } catch (err) {
    if (err instanceof OptionsError) throw new ConfigError(err.message)
    throw err
  }
}
