import { z, type ZodType } from 'zod'
import { ruleSchema } from '../../alerts/rule-schema.js'
import { silenceInput } from '../../alerts/silences.js'
import { deviceAddBody, deviceBulkBody } from '../routes/devices.js'
import { tokenAddBody } from '../routes/tokens.js'
import { dashboardSchema } from '../../dashboards/schema.js'
import { commandBody, configBody, labelsBody } from '../routes/remote.js'
import { sloSchema } from '../../slo/schema.js'

// What the OpenAPI description says about each /v1 route, keyed "METHOD /v1/path/{param}". Bodies are the zod
// schemas the routes validate with. A route registered without an entry here fails test/hub/api/openapi.test.ts.

export interface RouteDoc {
  summary: string
  tag: string
  /** Query parameters: name → description. */
  query?: Record<string, string>
  body?: ZodType
}

const TIME = 'ms since the epoch, RFC 3339, or relative to now (`-1h`)'
const range = { from: `start, ${TIME}`, to: `end, ${TIME}` }
const limit = { limit: 'most items to return' }
const selector = { name: 'metric name', device: 'only this device', 'label.K': 'only series whose label K equals the value (repeatable)' }

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /v1/devices': {
    tag: 'devices',
    summary: 'List devices: online state, last seen, version, host, counters, open alerts, backlog; paged and filtered (docs/console.md)',
    query: {
      q: 'case-insensitive substring of the id',
      state: 'online offline alerting',
      'label.K': 'only devices whose label K (or else host field K) equals the value (repeatable)',
      sort: 'id (default) or trouble',
      offset: 'skip this many',
      limit: 'at most this many (1-10000; default all)',
    },
  },
  'GET /v1/devices/{id}': { tag: 'devices', summary: 'One device' },
  'POST /v1/devices': {
    tag: 'devices',
    summary: 'Provision a device, or a list of up to 50,000 with labels in one write (`{devices:[{id, labels, rotate}]}`, all or none); each token is returned once',
    body: z.union([deviceAddBody, deviceBulkBody]),
  },
  'GET /v1/status': { tag: 'hub', summary: 'Hub version and uptime, devices online and known, MQTT sessions and admission queue, series, data size on disk by kind' },
  'DELETE /v1/devices/{id}': {
    tag: 'devices',
    summary: "Revoke a device's credentials and end its session; with purge=true also erase all its data (admin)",
    query: { purge: 'true: erase every sample, log, span, health result and alert of the device (docs/security.md)' },
  },
  'GET /v1/devices/{id}/export': { tag: 'devices', summary: "All of a device's data as NDJSON (admin)" },
  // Remote agent configuration, labels and commands (docs/agent.md).
  'GET /v1/devices/{id}/config': { tag: 'devices', summary: 'The device\'s remote configuration: desired version and config, applied version, last error' },
  'PUT /v1/devices/{id}/config': { tag: 'devices', summary: 'Store the next configuration version and send it to the agent (retained on its cmd topic)', body: configBody },
  'PUT /v1/config': { tag: 'devices', summary: 'One configuration for every device whose labels match (fleet rollout)', query: { selector: 'label.K=V[,label.K2=V2]' }, body: configBody },
  'PUT /v1/devices/{id}/labels': { tag: 'devices', summary: "Replace a device's labels (what a selector matches)", body: labelsBody },
  'POST /v1/devices/{id}/commands': { tag: 'devices', summary: 'Send a command (ping, collect, health, logs.tail, buffer.stats, restart) and wait for its reply or timeout (operator)', body: commandBody },
  'GET /v1/devices/{id}/commands': { tag: 'devices', summary: "The device's last 100 commands, newest first" },
  'GET /v1/devices/{id}/commands/{cmd}': { tag: 'devices', summary: 'One command and its outcome' },
  'GET /v1/tokens': { tag: 'tokens', summary: 'List API and operator tokens (admin)' },
  'GET /v1/tokens/{id}': { tag: 'tokens', summary: 'One token (admin)' },
  'POST /v1/tokens': { tag: 'tokens', summary: 'Create a token with a role; returned once as {token} (admin)', body: tokenAddBody },
  'DELETE /v1/tokens/{id}': { tag: 'tokens', summary: 'Revoke a token (admin)' },
  'GET /v1/audit/verify': { tag: 'audit', summary: 'Check the audit hash chain and its signed checkpoints; names the first broken link (admin)' },
  'GET /v1/audit': { tag: 'audit', summary: 'Audit log of changes, newest first (admin)', query: { ...range, actor: 'only this actor', ...limit } },
  'GET /v1/metrics/names': { tag: 'metrics', summary: 'Metric names' },
  'GET /v1/metrics/series': { tag: 'metrics', summary: 'Series matching a selector', query: selector },
  'GET /v1/metrics/query': {
    tag: 'metrics',
    summary: 'Aggregated points per step (docs/query.md)',
    query: { ...selector, ...range, step: 'bucket width (`1m`) or ms', agg: 'avg min max sum count last rate p50 p90 p95 p99, or anomaly_score', groupBy: 'labels to merge series by' },
  },
  'GET /v1/metrics/stats': { tag: 'metrics', summary: 'count sum mean min max p50 p95 p99 over a range', query: { ...selector, ...range } },
  'GET /v1/traces': {
    tag: 'traces',
    summary: 'Search traces',
    query: { service: 'service name', operation: 'operation name', minDuration: 'e.g. 250ms', error: 'true: only traces with an error', ...range, ...limit },
  },
  'GET /v1/traces/stats': { tag: 'traces', summary: 'Latency and error statistics per service', query: { service: 'service name', ...range } },
  'GET /v1/traces/{traceId}': { tag: 'traces', summary: 'One trace with its span tree' },
  'GET /v1/logs': {
    tag: 'logs',
    summary: 'Logs, newest first, with full-text search',
    query: { device: 'only this device', level: 'debug info warning error critical', component: 'component', q: 'full-text terms', ...range, ...limit, cursor: 'from a previous page' },
  },
  'GET /v1/logs/errors': { tag: 'logs', summary: 'Error logs grouped by fingerprint', query: { device: 'only this device', ...range, ...limit } },
  'GET /v1/health': { tag: 'health', summary: 'Current status per device and check, fleet summary', query: { device: 'only this device' } },
  'GET /v1/health/history': { tag: 'health', summary: 'Health results over time', query: { device: 'only this device', check: 'check name', ...range, ...limit } },
  'GET /v1/rules': { tag: 'alerts', summary: 'Alert rules' },
  'GET /v1/rules/{id}': { tag: 'alerts', summary: 'One alert rule' },
  'POST /v1/rules': { tag: 'alerts', summary: 'Create an alert rule (docs/alerts.md)', body: ruleSchema },
  'PUT /v1/rules/{id}': { tag: 'alerts', summary: 'Replace an alert rule', body: ruleSchema },
  'DELETE /v1/rules/{id}': { tag: 'alerts', summary: 'Delete an alert rule' },
  'GET /v1/alerts': {
    tag: 'alerts',
    summary: 'Alerts with filters',
    query: { state: 'pending firing acknowledged silenced resolved', rule: 'rule id', device: 'device id', severity: 'low medium high critical', ...range, ...limit },
  },
  'GET /v1/alerts/{id}': { tag: 'alerts', summary: 'One alert with its history' },
  'POST /v1/alerts/{id}/ack': { tag: 'alerts', summary: 'Acknowledge an alert (operator)' },
  'POST /v1/alerts/{id}/resolve': { tag: 'alerts', summary: 'Resolve an alert by hand (operator)' },
  'GET /v1/silences': { tag: 'alerts', summary: 'Silences' },
  'GET /v1/silences/{id}': { tag: 'alerts', summary: 'One silence' },
  'POST /v1/silences': { tag: 'alerts', summary: 'Create a silence (operator)', body: silenceInput },
  'PUT /v1/silences/{id}': { tag: 'alerts', summary: 'Replace a silence (operator)', body: silenceInput },
  'DELETE /v1/silences/{id}': { tag: 'alerts', summary: 'Delete a silence (operator)' },
  'GET /v1/incidents': { tag: 'alerts', summary: 'Incidents: alerts grouped' },
  'GET /v1/slos': { tag: 'slos', summary: 'SLOs with SLI, error budget remaining and burn rates (docs/slo.md)' },
  'GET /v1/slos/{id}': { tag: 'slos', summary: 'One SLO with its status' },
  'POST /v1/slos': { tag: 'slos', summary: 'Create an SLO (admin)', body: sloSchema },
  'PUT /v1/slos/{id}': { tag: 'slos', summary: 'Replace an SLO (admin)', body: sloSchema },
  'DELETE /v1/slos/{id}': { tag: 'slos', summary: 'Delete an SLO and its burn-rate rules (admin)' },
  'GET /v1/reports/fleet': {
    tag: 'reports',
    summary: 'Fleet report: availability, SLO attainment, alerts, incidents (MTTA, MTTR), errors, data volume (docs/reports.md)',
    query: { ...range, format: 'json, csv or html' },
  },
  'GET /v1/anomalies': {
    tag: 'metrics',
    summary: 'Anomaly events per series: start, end, maxScore, value, expected value and band (docs/anomaly.md)',
    query: { ...selector, ...range, minScore: 'only events whose highest score reaches this (0-1)', ...limit },
  },
  'GET /v1/notifications': {
    tag: 'alerts',
    summary: 'Notification delivery attempts, newest first (docs/notifications.md)',
    query: { alert: 'only attempts carrying this alert id', receiver: 'only this receiver', status: 'delivered, retrying, refused or dropped', ...limit },
  },
  'GET /v1/receivers': { tag: 'alerts', summary: 'Named notification receivers' },
  'POST /v1/receivers/{name}/test': { tag: 'alerts', summary: 'Queue a test message through a receiver (operator)' },
  'GET /v1/openapi.json': { tag: 'meta', summary: 'This description (OpenAPI 3.1); no token needed' },
  'GET /v1/whoami': { tag: 'meta', summary: "The token's name and role (the console shows only what the role may use)" },
  'GET /v1/events': { tag: 'console', summary: 'Server-Sent Events: device online/offline, alert state changes, new error logs (docs/console.md)' },
  'GET /v1/dashboards': { tag: 'console', summary: 'Saved dashboards' },
  'GET /v1/dashboards/{id}': { tag: 'console', summary: 'One dashboard' },
  'PUT /v1/dashboards/{id}': { tag: 'console', summary: 'Create or replace a dashboard (operator)', body: dashboardSchema },
  'DELETE /v1/dashboards/{id}': { tag: 'console', summary: 'Delete a dashboard (operator)' },
}
