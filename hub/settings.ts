// The hub's settings (`outpost hub`, DESIGN §2): one schema per section is the source of truth. Types are z.output of
// it, defaults live only here, the CLI derives flags, env vars and YAML keys from it (cli/settings.ts), and the hub
// takes the sections as they are (hub/options.ts).
import { z } from 'zod'
import { bool, duration, port, positiveInt, postgresUrl, redisUrl, size, sizeOrZero } from '../kit/setting-values.js'
import { section, setting, settingWithDefault as withDefault } from '../kit/settings.js'
import { MAX_THROTTLE_MS, type SecurityLimits } from './limits/config.js'
import type { ClockPolicy } from './clock.js'
import type { AnomalyOptions } from './anomaly/service.js'

const logLevel = z.enum(['debug', 'info', 'warning', 'error'])
/** `system_*,pump_*` or a YAML list of metric name globs. */
const nameGlobs = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((g) => g.trim()).filter((g) => g !== '' && g !== 'none'))
  .refine((globs) => globs.every((g) => /^[A-Za-z_:*?][A-Za-z0-9_:*?]*$/.test(g)), 'metric name globs use [A-Za-z0-9_:] with * and ?')
const score = z.coerce.number().gt(0, 'must be > 0').max(1, 'must be <= 1')
const yamlOnly = (description: string) => ({ description, fileOnly: true })

export const clockSection = section({
  correctAbove: withDefault(duration, "correct a device's timestamps when its clock is off by more than this", '2s'),
  maxAhead: withDefault(duration, 'refuse samples further ahead of hub time than this', '10m'),
  maxBehind: withDefault(duration, 'refuse samples older than this', '30d'),
})

export const retentionSection = section({
  metrics: withDefault(duration, 'keep metric samples this long (whole 2 h windows are deleted)', '30d'),
  traces: withDefault(duration, 'keep spans this long after they start', '7d'),
  health: withDefault(duration, 'how long health check history is kept', '30d'),
  logs: withDefault(duration, 'keep logs this long (deleted by whole UTC days)', '14d'),
  alerts: withDefault(duration, 'keep resolved alerts and their history this long after they end', '90d'),
  selectors: withDefault(
    z.array(z.object({ match: z.record(z.string(), z.string()), metrics: duration }).strict()),
    yamlOnly('metric retention per label selector, e.g. [{match: {site: lab}, metrics: 7d}] (YAML only; docs/storage.md)'),
    [],
  ),
})

export const tlsSection = section({
  cert: setting(z.string().min(1), 'PEM certificate file: enables mqtts (and HTTPS for the API)'),
  key: setting(z.string().min(1), 'PEM private key file of tls.cert'),
  ca: setting(z.string().min(1), 'PEM CA file that signs client certificates'),
  mqttPort: withDefault(port, 'mqtts port (0 picks a free one)', 8883),
  clientCerts: withDefault(bool, 'require a client certificate signed by tls.ca; its CN must be the device id', false),
  plainMqtt: withDefault(bool, 'keep the plain MQTT listener beside mqtts', false),
  https: withDefault(bool, 'serve the API over HTTPS with tls.cert', true),
})

export const limitsSection = section({
  maxPacket: withDefault(size, 'largest MQTT packet accepted', '1MiB'),
  publishRate: withDefault(positiveInt, 'publishes per second per client before it is slowed down', 200),
  publishBytes: withDefault(size, 'payload bytes per second per client before it is slowed down', '8MiB'),
  connectAttemptsPerId: withDefault(positiveInt, 'connection attempts per client id per window before a ban', 20),
  connectAttemptsPerAddress: withDefault(positiveInt, 'connection attempts per address per window before a ban (many devices may share one NAT address)', 2000),
  connectWindow: withDefault(duration, 'window for counting connection attempts', '1m'),
  ban: withDefault(duration, 'how long a flapping client id or address is refused', '1m'),
  admissionRate: withDefault(positiveInt, 'new MQTT sessions admitted per second; more wait for their CONNACK (reconnect storms)', 1000),
  admissionQueue: withDefault(positiveInt, 'connections waiting for admission at most; beyond it one is refused (CONNACK 3)', 50_000),
  keepaliveMin: withDefault(positiveInt, 'shortest MQTT keepalive accepted, seconds', 5),
  keepaliveMax: withDefault(positiveInt, 'longest MQTT keepalive accepted, seconds', 3600),
  seriesPerDevice: withDefault(positiveInt, 'distinct metric series one device may create', 10_000),
  labelsPerSeries: withDefault(positiveInt, 'labels one series may carry', 32),
  labelValue: withDefault(size, 'longest label value', '1KiB'),
  logLine: withDefault(size, 'longest log message stored (longer ones are cut)', '16KiB'),
})

export const alertsSection = section({
  evalInterval: withDefault(duration, 'period of the alert pass (timers, absent, offline, repeats)', '1s'),
  startupGrace: withDefault(duration, 'after a start, wait this long for births before counting a device offline', '60s'),
})

export const auditSection = section({
  reads: withDefault(bool, 'record reads (GET) of the API by tokens in the audit log too', false),
  checkpointInterval: withDefault(duration, 'how often a signed checkpoint of the audit chain is written', '10m'),
})

export const anomalySection = section({
  detect: withDefault(nameGlobs, 'metric names (globs, comma-separated) scored for anomalies without a rule; none for none', 'system_*'),
  threshold: withDefault(score, 'anomaly score (0-1] at which an anomaly event opens (0.825 is medium sensitivity)', 0.825),
  eventQuiet: withDefault(positiveInt, 'samples below the threshold that close an anomaly event', 30),
  checkpoint: withDefault(duration, 'how often anomaly states, scores and events are written', '10s'),
  history: withDefault(duration, 'stored history a newly scored series learns from', '1d'),
  detectors: withDefault(z.record(z.string(), z.unknown()), yamlOnly('anomaly detectors and their options (YAML only; docs/anomaly.md)'), { context: {} }),
})
/** The Prometheus API's PromQL engine (docs/prometheus.md). */
export const promqlSection = section({
  resultCache: withDefault(sizeOrZero, 'memory for older steps of range query answers kept between requests (0 turns the cache off)', '64MiB'),
  resultCacheOffset: withDefault(duration, 'steps newer than this before now are evaluated on every request (samples still arriving)', '5m'),
})

/** Every setting of `outpost hub`, in the order `--help` lists them. */
export const hubSettingsSchema = z.object({
  data: withDefault(z.string().min(1), 'data directory', './data/hub'),
  store: setting(postgresUrl, 'keep the hub database in PostgreSQL, postgres://USER@HOST:PORT/DB (default: the embedded LevelDB in the data directory; docs/storage.md)'),
  host: withDefault(z.string().min(1), 'address the broker and API listen on', '0.0.0.0'),
  mqttPort: withDefault(port, 'MQTT port (0 picks a free one)', 1883),
  httpPort: withDefault(port, 'HTTP API port (0 picks a free one)', 8080),
  insecure: withDefault(bool, 'no API tokens and no MQTT passwords (the topic ACL stays); for a closed lab network only', false),
  cluster: setting(redisUrl, 'join the brokers of the hubs sharing this Redis, redis://HOST:PORT (docs/cluster.md)'),
  proxyProtocol: withDefault(bool, 'the MQTT listener is behind a load balancer sending a PROXY protocol v1/v2 header (HAProxy send-proxy); connections without one are refused', false),
  adminToken: setting(z.string().min(16, 'must be at least 16 characters'), 'admin API token (default: generated on first start, printed once)'),
  maxBatchBytes: withDefault(size, 'largest telemetry payload accepted', '1MiB'),
  compactInterval: withDefault(duration, 'how often closed time windows are compacted', '30s'),
  compactDeferSamples: withDefault(positiveInt, 'compaction waits while telemetry streams in, until the head holds this many samples', 20_000_000),
  compactDeferMax: setting(duration, 'longest compaction waits for a burst to pause (default: 10 × compactInterval)'),
  clock: clockSection,
  retention: retentionSection,
  tls: tlsSection,
  limits: limitsSection,
  promql: promqlSection,
  rules: setting(z.string().min(1), 'YAML file of alert rules provisioned at start (docs/alerts.md)'),
  dashboards: setting(z.string().min(1), 'YAML file of console dashboards provisioned at start (docs/console.md)'),
  slos: setting(z.string().min(1), 'YAML file of SLOs provisioned at start (docs/slo.md)'),
  reports: withDefault(z.array(z.record(z.string(), z.unknown())), yamlOnly('scheduled fleet reports delivered by webhook (YAML only; docs/reports.md)'), []),
  notifiers: withDefault(z.array(z.record(z.string(), z.unknown())), yamlOnly('alert notifiers besides MQTT, e.g. webhooks (YAML only; docs/alerts.md)'), []),
  route: setting(z.record(z.string(), z.unknown()), yamlOnly('the notification routing tree (YAML only; docs/notifications.md)')),
  inhibit_rules: withDefault(z.array(z.unknown()), yamlOnly('alerts that mute others while they fire (YAML only; docs/notifications.md)'), []),
  time_intervals: withDefault(z.array(z.unknown()), yamlOnly('named times for mute_time_intervals and active_time_intervals (YAML only; docs/notifications.md)'), []),
  alerts: alertsSection,
  audit: auditSection,
  anomaly: anomalySection,
  logLevel: withDefault(logLevel, 'debug, info, warning or error', 'info'),
})

export type HubSettings = z.output<typeof hubSettingsSchema>

/** Settings as the hub takes them: each section's keys optional, those left out take the schema's defaults. */
export type PartialHubSettings = { [K in keyof HubSettings]?: HubSettings[K] extends unknown[] ? HubSettings[K] : HubSettings[K] extends object ? Partial<HubSettings[K]> : HubSettings[K] }

/** Sections are the keys without settings meta of their own (`limits`, `retention`…). */
const SECTIONS = new Set(Object.entries(hubSettingsSchema.shape).filter(([, field]) => field.meta() === undefined).map(([key]) => key))

/**
 * Fills what `given` leaves out with the schema's defaults, section by section. Values given are not checked again
 * (the CLI checked them; tests may set what no user can, such as a 0 startup grace); keys the schema lacks are ignored.
 */
export function withHubDefaults(given: PartialHubSettings): HubSettings {
  const defaults = hubSettingsSchema.parse({}) as Record<string, unknown>
  const out: Record<string, unknown> = { ...defaults }
  for (const key of Object.keys(hubSettingsSchema.shape)) {
    const value = (given as Record<string, unknown>)[key]
    if (value !== undefined) out[key] = SECTIONS.has(key) ? { ...(defaults[key] as object), ...(value as object) } : value
  }
  return out as HubSettings
}

// The stores and the broker name their limits with units; these read them from the sections.

export function securityLimits(l: HubSettings['limits'], maxThrottleMs = MAX_THROTTLE_MS): SecurityLimits {
  return {
    maxPacketBytes: l.maxPacket,
    publishPerSecond: l.publishRate,
    publishBytesPerSecond: l.publishBytes,
    maxThrottleMs,
    connectAttemptsPerId: l.connectAttemptsPerId,
    connectAttemptsPerAddress: l.connectAttemptsPerAddress,
    connectWindowMs: l.connectWindow,
    banMs: l.ban,
    admissionPerSecond: l.admissionRate,
    admissionQueue: l.admissionQueue,
    keepaliveMinSeconds: l.keepaliveMin,
    keepaliveMaxSeconds: l.keepaliveMax,
    seriesPerDevice: l.seriesPerDevice,
    labelsPerSeries: l.labelsPerSeries,
    labelValueBytes: l.labelValue,
    logLineBytes: l.logLine,
  }
}

export function clockPolicy(c: HubSettings['clock']): ClockPolicy {
  return { correctAboveMs: c.correctAbove, maxAheadMs: c.maxAhead, maxBehindMs: c.maxBehind }
}

export function anomalyOptions(a: HubSettings['anomaly']): AnomalyOptions {
  return { detect: a.detect, threshold: a.threshold, quiet: a.eventQuiet, checkpointMs: a.checkpoint, historyMs: a.history, detectors: a.detectors }
}
