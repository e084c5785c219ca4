import { hostname } from 'node:os'
import { z } from 'zod'
import { builtinInputs } from '../agent/inputs/registry.js'
import type { Setting } from './config.js'
import { bool, duration, hostPort, mqttUrls, port, positiveInt, redisUrl, size, sizeOrZero } from './value-types.js'

const logLevel = z.enum(['debug', 'info', 'warning', 'error'])
/** `system_*,pump_*` or a YAML list of metric name globs. */
const nameGlobs = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((g) => g.trim()).filter((g) => g !== '' && g !== 'none'))
  .refine((globs) => globs.every((g) => /^[A-Za-z_:*?][A-Za-z0-9_:*?]*$/.test(g)), 'metric name globs use [A-Za-z0-9_:] with * and ?')
const score = z.coerce.number().gt(0, 'must be > 0').max(1, 'must be <= 1')

/** A YAML list of names, or one comma-separated string (flag, env). */
const keyList = z.union([z.array(z.string().min(1)), z.string().transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))])

/** Settings of `outpost hub` (DESIGN §2). */
export const hubSettings: Setting[] = [
  { path: 'data', description: 'data directory', schema: z.string().min(1), default: './data/hub' },
  { path: 'host', description: 'address the broker and API listen on', schema: z.string().min(1), default: '0.0.0.0' },
  { path: 'mqttPort', description: 'MQTT port (0 picks a free one)', schema: port, default: 1883 },
  { path: 'httpPort', description: 'HTTP API port (0 picks a free one)', schema: port, default: 8080 },
  { path: 'cluster', description: 'join the brokers of the hubs sharing this Redis, redis://HOST:PORT (docs/cluster.md)', schema: redisUrl },
  { path: 'proxyProtocol', description: 'the MQTT listener is behind a load balancer sending a PROXY protocol v1/v2 header (HAProxy send-proxy); connections without one are refused', schema: bool, default: false },
  { path: 'insecure', description: 'no API tokens and no MQTT passwords (the topic ACL stays); for a closed lab network only', schema: bool, default: false },
  { path: 'adminToken', description: 'admin API token (default: generated on first start, printed once)', schema: z.string().min(16, 'must be at least 16 characters') },
  { path: 'maxBatchBytes', description: 'largest telemetry payload accepted', schema: size, default: '1MiB' },
  { path: 'compactInterval', description: 'how often closed time windows are compacted', schema: duration, default: '30s' },
  { path: 'compactDeferSamples', description: 'compaction waits while telemetry streams in, until the head holds this many samples', schema: positiveInt, default: 20_000_000 },
  { path: 'compactDeferMax', description: 'longest compaction waits for a burst to pause (default: 10 × compactInterval)', schema: duration },
  { path: 'clock.correctAbove', description: "correct a device's timestamps when its clock is off by more than this", schema: duration, default: '2s' },
  { path: 'clock.maxAhead', description: 'refuse samples further ahead of hub time than this', schema: duration, default: '10m' },
  { path: 'clock.maxBehind', description: 'refuse samples older than this', schema: duration, default: '30d' },
  { path: 'retention.metrics', description: 'keep metric samples this long (whole 2 h windows are deleted)', schema: duration, default: '30d' },
  { path: 'retention.traces', description: 'keep spans this long after they start', schema: duration, default: '7d' },
  { path: 'retention.health', description: 'how long health check history is kept', schema: duration, default: '30d' },
  { path: 'retention.logs', description: 'keep logs this long (deleted by whole UTC days)', schema: duration, default: '14d' },
  { path: 'tls.cert', description: 'PEM certificate file: enables mqtts (and HTTPS for the API)', schema: z.string().min(1) },
  { path: 'tls.key', description: 'PEM private key file of tls.cert', schema: z.string().min(1) },
  { path: 'tls.ca', description: 'PEM CA file that signs client certificates', schema: z.string().min(1) },
  { path: 'tls.mqttPort', description: 'mqtts port (0 picks a free one)', schema: port, default: 8883 },
  { path: 'tls.clientCerts', description: "require a client certificate signed by tls.ca; its CN must be the device id", schema: bool, default: false },
  { path: 'tls.plainMqtt', description: 'keep the plain MQTT listener beside mqtts', schema: bool, default: false },
  { path: 'tls.https', description: 'serve the API over HTTPS with tls.cert', schema: bool, default: true },
  { path: 'limits.maxPacket', description: 'largest MQTT packet accepted', schema: size, default: '1MiB' },
  { path: 'limits.publishRate', description: 'publishes per second per client before it is slowed down', schema: positiveInt, default: 200 },
  { path: 'limits.publishBytes', description: 'payload bytes per second per client before it is slowed down', schema: size, default: '8MiB' },
  { path: 'limits.connectAttemptsPerId', description: 'connection attempts per client id per window before a ban', schema: positiveInt, default: 20 },
  { path: 'limits.connectAttemptsPerAddress', description: 'connection attempts per address per window before a ban (many devices may share one NAT address)', schema: positiveInt, default: 2000 },
  { path: 'limits.connectWindow', description: 'window for counting connection attempts', schema: duration, default: '1m' },
  { path: 'limits.ban', description: 'how long a flapping client id or address is refused', schema: duration, default: '1m' },
  { path: 'limits.keepaliveMin', description: 'shortest MQTT keepalive accepted, seconds', schema: positiveInt, default: 5 },
  { path: 'limits.keepaliveMax', description: 'longest MQTT keepalive accepted, seconds', schema: positiveInt, default: 3600 },
  { path: 'limits.seriesPerDevice', description: 'distinct metric series one device may create', schema: positiveInt, default: 10_000 },
  { path: 'limits.labelsPerSeries', description: 'labels one series may carry', schema: positiveInt, default: 32 },
  { path: 'limits.labelValue', description: 'longest label value', schema: size, default: '1KiB' },
  { path: 'limits.logLine', description: 'longest log message stored (longer ones are cut)', schema: size, default: '16KiB' },
  { path: 'retention.selectors', description: 'metric retention per label selector, e.g. [{match: {site: lab}, metrics: 7d}] (YAML only; docs/storage.md)', schema: z.array(z.object({ match: z.record(z.string(), z.string()), metrics: duration }).strict()), default: [], fileOnly: true },
  { path: 'retention.alerts', description: 'keep resolved alerts and their history this long after they end', schema: duration, default: '90d' },
  { path: 'rules', description: 'YAML file of alert rules provisioned at start (docs/alerts.md)', schema: z.string().min(1) },
  { path: 'dashboards', description: 'YAML file of console dashboards provisioned at start (docs/console.md)', schema: z.string().min(1) },
  { path: 'slos', description: 'YAML file of SLOs provisioned at start (docs/slo.md)', schema: z.string().min(1) },
  { path: 'reports', description: 'scheduled fleet reports delivered by webhook (YAML only; docs/reports.md)', schema: z.array(z.record(z.string(), z.unknown())), default: [], fileOnly: true },
  { path: 'notifiers', description: 'alert notifiers besides MQTT, e.g. webhooks (YAML only; docs/alerts.md)', schema: z.array(z.record(z.string(), z.unknown())), default: [], fileOnly: true },
  { path: 'route', description: 'the notification routing tree (YAML only; docs/notifications.md)', schema: z.record(z.string(), z.unknown()), fileOnly: true },
  { path: 'inhibit_rules', description: 'alerts that mute others while they fire (YAML only; docs/notifications.md)', schema: z.array(z.unknown()), default: [], fileOnly: true },
  { path: 'time_intervals', description: 'named times for mute_time_intervals and active_time_intervals (YAML only; docs/notifications.md)', schema: z.array(z.unknown()), default: [], fileOnly: true },
  { path: 'alerts.evalInterval', description: 'period of the alert pass (timers, absent, offline, repeats)', schema: duration, default: '1s' },
  { path: 'alerts.startupGrace', description: 'after a start, wait this long for births before counting a device offline', schema: duration, default: '60s' },
  { path: 'audit.reads', description: 'record reads (GET) of the API by tokens in the audit log too', schema: bool, default: false },
  { path: 'audit.checkpointInterval', description: 'how often a signed checkpoint of the audit chain is written', schema: duration, default: '10m' },
  { path: 'anomaly.detect', description: "metric names (globs, comma-separated) scored for anomalies without a rule; none for none", schema: nameGlobs, default: 'system_*' },
  { path: 'anomaly.threshold', description: 'anomaly score (0-1] at which an anomaly event opens (0.85 is medium sensitivity)', schema: score, default: 0.85 },
  { path: 'anomaly.eventQuiet', description: 'samples below the threshold that close an anomaly event', schema: positiveInt, default: 30 },
  { path: 'anomaly.checkpoint', description: 'how often anomaly states, scores and events are written', schema: duration, default: '10s' },
  { path: 'anomaly.history', description: 'stored history a newly scored series learns from', schema: duration, default: '1d' },
  { path: 'anomaly.detectors', description: 'anomaly detectors and their options (YAML only; docs/anomaly.md)', schema: z.record(z.string(), z.unknown()), default: { robust: {}, seasonal: {}, levelshift: {} }, fileOnly: true },
  { path: 'logLevel', description: 'debug, info, warning or error', schema: logLevel, default: 'info' },
]

export interface HubSettings {
  data: string
  host: string
  mqttPort: number
  httpPort: number
  insecure: boolean
  cluster?: string
  proxyProtocol: boolean
  adminToken?: string
  maxBatchBytes: number
  compactInterval: number
  compactDeferSamples: number
  compactDeferMax?: number
  clock: { correctAbove: number; maxAhead: number; maxBehind: number }
  tls: { cert?: string; key?: string; ca?: string; mqttPort: number; clientCerts: boolean; plainMqtt: boolean; https: boolean }
  limits: {
    maxPacket: number
    publishRate: number
    publishBytes: number
    connectAttemptsPerId: number
    connectAttemptsPerAddress: number
    connectWindow: number
    ban: number
    keepaliveMin: number
    keepaliveMax: number
    seriesPerDevice: number
    labelsPerSeries: number
    labelValue: number
    logLine: number
  }
  retention: { metrics: number; traces: number; health: number; logs: number; alerts: number; selectors: Array<{ match: Record<string, string>; metrics: number }> }
  rules?: string
  dashboards?: string
  slos?: string
  reports: Array<Record<string, unknown>>
  notifiers: Array<Record<string, unknown>>
  route?: Record<string, unknown>
  inhibit_rules: unknown[]
  time_intervals: unknown[]
  alerts: { evalInterval: number; startupGrace: number }
  audit: { reads: boolean; checkpointInterval: number }
  anomaly: { detect: string[]; threshold: number; eventQuiet: number; checkpoint: number; history: number; detectors: Record<string, unknown> }
  logLevel: 'debug' | 'info' | 'warning' | 'error'
}

/** Settings of `outpost agent` (DESIGN §2). */
export const agentSettings: Setting[] = [
  { path: 'hub', description: 'hub MQTT URL, or several comma-separated: the agent moves to the next when one fails (docs/cluster.md)', schema: mqttUrls, default: 'mqtt://127.0.0.1:1883' },
  { path: 'id', description: 'device id', schema: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must match [A-Za-z0-9._-]{1,64}'), default: hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64) },
  { path: 'token', description: 'device token (from `outpost device add`)', schema: z.string().min(1) },
  { path: 'tls.ca', description: 'PEM CA file to trust for an mqtts:// hub (default: the system CAs)', schema: z.string().min(1) },
  { path: 'tls.cert', description: 'PEM client certificate file (CN = device id) for hubs that require one', schema: z.string().min(1) },
  { path: 'tls.key', description: 'PEM private key file of tls.cert', schema: z.string().min(1) },
  { path: 'data', description: 'data directory (the buffer lives here)', schema: z.string().min(1), default: './data/agent' },
  { path: 'interval', description: 'collection interval', schema: duration, default: '10s' },
  { path: 'listen', description: 'local listener HOST:PORT', schema: hostPort, default: '127.0.0.1:4318' },
  { path: 'buffer.maxBytes', description: 'buffer size cap', schema: size, default: '256MiB' },
  { path: 'buffer.policy', description: 'when the buffer is full: drop_oldest or block', schema: z.enum(['drop_oldest', 'block']), default: 'drop_oldest' },
  { path: 'buffer.fsync', description: 'sync every buffer write to the disk (survives power loss; slower)', schema: bool, default: false },
  { path: 'batch.maxSamples', description: 'samples per batch before it is sealed', schema: positiveInt, default: 5000 },
  { path: 'uplink.inflight', description: 'batches sent and not yet acked at once', schema: positiveInt, default: 16 },
  { path: 'uplink.ackTimeout', description: 'resend a batch not acked within this time', schema: duration, default: '15s' },
  { path: 'uplink.reconnectMin', description: 'first reconnect delay', schema: duration, default: '500ms' },
  { path: 'uplink.reconnectMax', description: 'longest reconnect delay', schema: duration, default: '30s' },
  { path: 'uplink.banWait', description: "wait after the hub refused the connection as banned (its flapping guard) before trying again; the hub's limits.ban", schema: duration, default: '1m' },
  { path: 'uplink.keepalive', description: 'MQTT keepalive in seconds', schema: positiveInt, default: 30 },
  { path: 'uplink.maxBytesPerSecond', description: 'bandwidth cap for replaying backlog after an outage (0: none); live data goes first regardless', schema: sizeOrZero, default: '1MiB' },
  { path: 'collectors', description: 'collectors and their options (YAML only)', schema: z.record(z.string(), z.unknown()), default: { system: {} }, fileOnly: true },
  { path: 'health', description: 'health checks (YAML only; docs/health.md)', schema: z.array(z.unknown()), default: [], fileOnly: true },
  // One YAML list per list input of the input registry (`logs:`, `scrape:`): a new input needs no line here.
  ...builtinInputs()
    .plugins()
    .filter((p) => p.section === 'list')
    .map((p): Setting => ({ path: p.name, description: `${p.description} (YAML only; docs/inputs.md)`, schema: z.array(z.unknown()), default: [], fileOnly: true })),
  { path: 'sampling', description: 'trace sampling: head probability and rate per service, tail rules (YAML only; docs/agent.md)', schema: z.record(z.string(), z.unknown()), default: {}, fileOnly: true },
  { path: 'remote.enabled', description: 'take configuration and commands from the hub over the cmd topic', schema: bool, default: true },
  { path: 'remote.pin', description: 'settings remote configuration may not change, comma-separated (flags and env pin theirs anyway)', schema: keyList, default: [] },
  { path: 'remote.rollbackAfter', description: 'roll a remote configuration back if the uplink does not work within this', schema: duration, default: '60s' },
  { path: 'logLevel', description: 'debug, info, warning or error', schema: logLevel, default: 'info' },
]

export interface AgentSettings {
  /** Besides the keys below: one list per list input, by its name (`logs`, `scrape`; agent/inputs/registry.ts). */
  [input: string]: unknown
  hub: string
  id: string
  token?: string
  tls?: { ca?: string; cert?: string; key?: string }
  data: string
  interval: number
  listen: string
  buffer: { maxBytes: number; policy: 'drop_oldest' | 'block'; fsync: boolean }
  batch: { maxSamples: number }
  uplink: { inflight: number; ackTimeout: number; reconnectMin: number; reconnectMax: number; banWait: number; keepalive: number; maxBytesPerSecond: number }
  collectors: Record<string, unknown>
  health: unknown[]
  sampling: Record<string, unknown>
  remote: { enabled: boolean; pin: string[]; rollbackAfter: number }
  logLevel: 'debug' | 'info' | 'warning' | 'error'
}
