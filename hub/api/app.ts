import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { MetricStore } from '../metrics/store/types.js'
import type { DeviceRegistry } from '../devices.js'
import type { HubMetrics } from '../self-metrics.js'
import type { CredentialStore } from '../security/credentials.js'
import type { AuditLog } from '../audit/audit-log.js'
import { auditMiddleware } from '../audit/middleware.js'
import type { VerifyResult } from '../audit/verify.js'
import { bearerRoles } from './auth-middleware.js'
import { tokenRoutes } from './routes/tokens.js'
import { auditRoutes } from './routes/audit.js'
import type { QueryLimits } from '../metrics/query/params.js'
import { ApiError, errorResponse } from './errors.js'
import { actorOf, roleOf, setActor, setRole } from './actor.js'
import { deviceRoutes } from './routes/devices.js'
import { statusRoutes, type StatusDeps } from './routes/status.js'
import { metricRoutes } from './routes/metrics.js'
import { traceRoutes } from './routes/traces.js'
import type { TraceStore } from '../traces/index.js'
import { logRoutes } from './routes/logs.js'
import type { LogStore } from '../logs/index.js'
import { healthRoutes } from './routes/health.js'
import type { HealthStore } from '../health/types.js'
import type { AlertService } from '../alerts/service.js'
import { ruleRoutes } from './routes/rules.js'
import { alertRoutes } from './routes/alerts.js'
import { silenceRoutes } from './routes/silences.js'
import { incidentRoutes } from './routes/incidents.js'
import { dashboardRoutes } from './routes/dashboards.js'
import { eventRoutes, type EventStreamOptions } from './routes/events.js'
import { consoleRoutes } from './routes/console.js'
import type { DashboardStore } from '../dashboards/store.js'
import type { EventBus } from '../events/event-bus.js'
import { fleetConfigRoutes, remoteDeviceRoutes } from './routes/remote.js'
import type { RemoteService } from '../remote/remote-service.js'
import { anomalyRoutes } from './routes/anomalies.js'
import type { AnomalyService } from '../anomaly/service.js'
import { notificationRoutes, receiverRoutes } from './routes/notifications.js'
import type { AttemptLog } from '../alerts/notifiers/attempt-log.js'
import type { Notifier } from '../alerts/notifiers/types.js'
import { prometheusApi } from '../prometheus/api.js'
import { prometheusAuth } from '../prometheus/auth.js'
import { resultCacheFor } from '../prometheus/result-cache.js'
import { registerResultCacheMetrics } from '../prometheus/cache-metrics.js'
import { openApiDocument } from './openapi/document.js'
import { ROUTE_DOCS } from './openapi/route-docs.js'
import { docsPage } from './openapi/docs-page.js'
import { sloRoutes } from './routes/slos.js'
import { reportRoutes } from './routes/reports.js'
import type { SloService } from '../slo/service.js'

export interface ApiDeps {
  store: MetricStore
  /** GET /v1/status (issue 15); without it the route is not mounted (tests building a bare API). */
  status?: Omit<StatusDeps, 'store' | 'devices' | 'credentials' | 'clock'>
  traces: TraceStore
  logs: LogStore
  health: HealthStore
  alerts: AlertService
  slos: SloService
  anomaly?: AnomalyService
  /** Delivery attempts and named receivers (issue 17, docs/notifications.md). */
  notifications?: { attempts: AttemptLog; receivers: Map<string, Notifier> }
  devices: DeviceRegistry
  metrics: HubMetrics
  credentials: CredentialStore
  audit: AuditLog
  /** Remote agent configuration, labels and commands (hub/remote/). */
  remote: RemoteService
  verifyAudit: () => Promise<VerifyResult>
  /** Record reads (GET) by API tokens in the audit log too (`audit.reads`). */
  auditReads?: boolean
  /** Revokes a device's credentials and ends its live session (hub.ts). */
  revokeDevice: (id: string, by: string) => Promise<void>
  dashboards: DashboardStore
  events: EventBus
  eventStream?: EventStreamOptions
  /** The built console (default: the package's dist/console). */
  consoleDir?: string
  /** Erases a device's data; its NDJSON export (device-data.ts). */
  purgeDevice: (id: string, by: string) => Promise<object>
  exportDevice: (id: string) => AsyncGenerator<string>
  insecure: boolean
  limits: QueryLimits
  /** The PromQL result cache (settings `promql.*`); without it, on with the defaults. */
  promql?: { resultCacheBytes: number; resultCacheOffsetMs: number }
  ready: () => boolean
  /** Why a started hub is not ready (a full disk), if it is not. */
  unready?: () => string | undefined
  clock: () => number
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
}

export function createApi(deps: ApiDeps): Hono {
  const app = new Hono()
  app.onError((err, c) => errorResponse(err, c, deps.log))
  app.notFound((c) => c.json({ error: { code: 'not_found', message: `no route for ${c.req.method} ${c.req.path}` } }, 404))

  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', (c) => {
    if (deps.ready()) return c.json({ status: 'ready' })
    const reason = deps.unready?.()
    return c.json(reason ? { status: 'unready', reason } : { status: 'starting' }, 503)
  })
  app.get('/metrics', async (c) => {
    const stats = deps.store.stats()
    deps.metrics.series.set(stats.series)
    deps.metrics.headRows.set(stats.headRows)
    deps.metrics.chunkRows.set(stats.chunkRows)
    deps.metrics.devicesOnline.set(deps.devices.onlineCount())
    deps.metrics.devicesKnown.set(deps.devices.list().length)
    const open = deps.alerts.openCounts()
    deps.metrics.alertsOpen.set({ state: 'pending' }, open.pending)
    deps.metrics.alertsOpen.set({ state: 'firing' }, open.firing)
    return c.text(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType })
  })

  // The console (docs/console.md): a client of the API below, public like any static page; data needs a token.
  app.route('/', consoleRoutes(deps.consoleDir))
  // Prometheus's HTTP API for Grafana and promtool (docs/prometheus.md): its own auth (bearer or basic) and
  // envelope; reads, so not audited.
  app.use('/prometheus/*', prometheusAuth(deps.credentials, deps.insecure))
  app.use('/prometheus/*', bodyLimit({ maxSize: 1024 * 1024, onError: (c) => c.json({ status: 'error', errorType: 'bad_data', error: 'request body over 1 MiB' }, 413) }))
  const resultCache = resultCacheFor(deps.store, { maxBytes: deps.promql?.resultCacheBytes ?? 64 * 1024 * 1024, offsetMs: deps.promql?.resultCacheOffsetMs ?? 5 * 60_000 })
  if (resultCache) registerResultCacheMetrics(deps.metrics.registry, resultCache)
  app.route('/prometheus', prometheusApi({ store: deps.store, limits: deps.limits, clock: deps.clock, log: deps.log, resultCache }))

  // The API's description and its reference page need no token (registered before the /v1 auth runs); the
  // document is built on first request, from the route table as it is then.
  let openapi: Record<string, unknown> | undefined
  app.get('/v1/openapi.json', (c) => c.json((openapi ??= openApiDocument(app.routes, ROUTE_DOCS))))
  app.route('/docs', docsPage())

  // DESIGN §7: every /v1 route needs a bearer token unless the hub runs with --insecure.
  // Roles by method and path (security/roles.ts). With --insecure a token, when sent, still names the actor.
  if (!deps.insecure) app.use('/v1/*', bearerRoles(deps.credentials))
  else {
    app.use('/v1/*', async (c, next) => {
      const m = /^Bearer\s+(\S+)/i.exec(c.req.header('authorization') ?? '')
      const who = m ? await deps.credentials.identify(m[1]) : undefined
      if (who) {
        setActor(c, who.name)
        setRole(c, who.role)
      }
      await next()
    })
  }
  // Request bodies (rules, silences, credentials) are small; a larger one is refused before anyone reads it.
  app.use(
    '/v1/*',
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: () => {
        throw new ApiError(413, 'too_large', 'request body over 1 MiB')
      },
    }),
  )
  app.use('/v1/*', auditMiddleware(deps.audit, deps.log, { reads: deps.auditReads ?? false }))
  app.get('/v1/whoami', (c) => c.json({ name: actorOf(c), role: roleOf(c) }))
  app.route('/v1/events', eventRoutes(deps.events, deps.eventStream))
  app.route('/v1/dashboards', dashboardRoutes(deps.dashboards))
  app.route(
    '/v1/devices',
    deviceRoutes({
      devices: deps.devices,
      credentials: deps.credentials,
      revoke: deps.revokeDevice,
      openAlerts: () => deps.alerts.openByDevice(),
      purge: deps.purgeDevice,
      exportLines: deps.exportDevice,
      anomalyRates: deps.anomaly && (() => deps.anomaly!.rates()),
      remote: deps.remote,
    }),
  )
  const knownDevices = () => [...new Set([...deps.devices.list().map((d) => d.id), ...deps.credentials.listDevices().map((d) => d.id)])]
  app.route('/v1/devices', remoteDeviceRoutes({ remote: deps.remote, knownDevices }))
  app.route('/v1/config', fleetConfigRoutes({ remote: deps.remote, knownDevices }))
  app.route('/v1/tokens', tokenRoutes(deps.credentials))
  if (deps.status) app.route('/v1/status', statusRoutes({ ...deps.status, store: deps.store, devices: deps.devices, credentials: deps.credentials, clock: deps.clock }))
  app.route('/v1/audit', auditRoutes(deps.audit, deps.clock, deps.verifyAudit))
  app.route('/v1/metrics', metricRoutes(deps.store, deps.limits, deps.clock, deps.anomaly))
  if (deps.anomaly) app.route('/v1/anomalies', anomalyRoutes(deps.anomaly, deps.clock))
  app.route('/v1/traces', traceRoutes(deps.traces, deps.clock))
  app.route('/v1/logs', logRoutes(deps.logs, deps.clock))
  app.route('/v1/health', healthRoutes(deps.health, deps.clock))
  app.route('/v1/rules', ruleRoutes(deps.alerts))
  app.route('/v1/alerts', alertRoutes(deps.alerts, deps.clock))
  app.route('/v1/silences', silenceRoutes(deps.alerts))
  app.route('/v1/incidents', incidentRoutes(deps.alerts))
  app.route('/v1/slos', sloRoutes(deps.slos))
  app.route('/v1/reports', reportRoutes({ store: deps.store, logs: deps.logs, devices: deps.devices, alerts: deps.alerts, slos: deps.slos, clock: deps.clock }))
  if (deps.notifications) {
    app.route('/v1/notifications', notificationRoutes(deps.notifications.attempts))
    app.route('/v1/receivers', receiverRoutes(deps.notifications.receivers, deps.clock))
  }
  app.all('/v1/*', () => {
    throw new ApiError(404, 'not_found', 'no such route')
  })
  return app
}
