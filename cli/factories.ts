import { existsSync } from 'node:fs'
import { ConfigError } from './config.js'
import { Hub, type HubTls } from '../hub/hub.js'
import type { SecurityLimits } from '../hub/limits/config.js'
import type { NotifierConfig } from '../hub/alerts/notifiers/registry.js'
import { AlertConfigError } from '../hub/alerts/rule-schema.js'
import type { LogFn } from './log.js'
import type { HubSettings } from './settings.js'

// The agent's factory lives apart (agent-factory.ts), so `outpost agent` never loads the hub (docs/agent.md, footprint).
export { agentFromSettings, asConfigError, packageVersion } from './agent-factory.js'

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
    cluster: s.cluster ? { redisUrl: s.cluster } : undefined,
    proxyProtocol: s.proxyProtocol,
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
    console: { dashboardsFile: s.dashboards },
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

