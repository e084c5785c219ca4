import { createServer as createHttpsServer } from 'node:https'
import { createAdaptorServer, type ServerType } from '@hono/node-server'
import type { Server } from 'node:net'
import { withDeviceLabels } from '../metrics/device-labels.js'
import { dataSizeByKind } from '../storage/data-size.js'
import { listenOn } from '../listen.js'
import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'
import type { Pem } from '../broker-module.js'
import { createApi } from './app.js'
import { exportDevice, purgeDevice, type DeviceDataDeps } from '../device-data.js'
import { endDeviceSession } from '../security/sessions.js'
import { verifyAudit } from '../audit/verify.js'
import { DEFAULT_QUERY_LIMITS } from '../metrics/query/params.js'

/** The HTTP API (HTTPS with tls.https). `ready` tells whether intake accepts telemetry (GET /ready). */
export function apiModule(hub: HubContext, pem: Pem | undefined, ready: () => boolean): HubModule {
  let http: ServerType | undefined
  return {
    name: 'api',
    async start() {
      const { options, settings, clock, log } = hub
      const deviceData: DeviceDataDeps = {
        store: hub.store,
        logs: hub.logs,
        traces: hub.traces,
        health: hub.health,
        alerts: hub.alerts,
        anomaly: hub.anomaly,
        devices: hub.devices,
        credentials: hub.credentials,
        audit: hub.audit,
        endSession: async (id) => {
          // An erased device must not stay connected to another hub of a cluster either.
          await hub.cluster?.announceRevocation(id)
          return hub.broker ? await endDeviceSession(hub.broker, id) : false
        },
        forgetLimits: (id) => hub.batchLimits.forget(id),
        clock,
      }
      const app = (hub.api = createApi({
        // The API sees each device's labels on its series (docs/query.md, "Device labels").
        store: withDeviceLabels(hub.store, hub.remote.labels),
        status: {
          version: options.version ?? 'unknown',
          startedAt: clock(),
          dataSize: () => dataSizeByKind(hub.db, settings.data),
          connections: () => ({ connected: hub.broker?.broker.connectedClients ?? 0, admissionWaiting: hub.admission?.waiting ?? 0 }),
        },
        traces: hub.traces,
        logs: hub.logs,
        health: hub.health,
        alerts: hub.alerts,
        slos: hub.slos,
        anomaly: hub.anomaly,
        notifications: { attempts: hub.notifications!.attempts, receivers: hub.notifications!.receivers },
        devices: hub.devices,
        metrics: hub.metrics,
        credentials: hub.credentials,
        audit: hub.audit,
        remote: hub.remote,
        verifyAudit: () => verifyAudit(hub.audit, hub.auditSigner),
        auditReads: settings.audit.reads,
        dashboards: hub.dashboards,
        events: hub.events,
        eventStream: options.console?.eventStream,
        consoleDir: options.console?.dir,
        revokeDevice: (id, by) => hub.revokeDevice(id, by),
        purgeDevice: (id, by) => purgeDevice(deviceData, id, by),
        exportDevice: (id) => exportDevice(deviceData, id),
        insecure: settings.insecure,
        limits: DEFAULT_QUERY_LIMITS,
        promql: { resultCacheBytes: settings.promql.resultCache, resultCacheOffsetMs: settings.promql.resultCacheOffset },
        ready: () => ready() && !hub.space.full,
        unready: () => (hub.space.full ? `storage full since ${new Date(hub.space.full.since).toISOString()}: ${hub.space.full.error}` : undefined),
        clock,
        log,
      }))
      const https = settings.tls.https && pem ? { createServer: createHttpsServer, serverOptions: { cert: pem.cert, key: pem.key } } : {}
      const server = createAdaptorServer({ fetch: app.fetch, ...https })
      hub.httpPort = await listenOn(server as Server, settings.httpPort, settings.host, 'httpPort')
      http = server
    },
    async stop() {
      // Open /v1/events streams end first: the HTTP server's close waits for every open response.
      hub.events.close()
      await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()))
    },
  }
}
