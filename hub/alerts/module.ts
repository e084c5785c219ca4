import type { HubContext } from '../context.js'
import type { HubModule } from '../lifecycle.js'
import { publishAlertEvents } from '../events/sources.js'
import { hubConditionAlerts } from './hub-conditions.js'
import { ConditionNotices } from './condition-notices.js'
import { AlertEngine } from './engine.js'
import { AlertService } from './service.js'
import { createNotifications, type NotificationConfig } from './notifications.js'
import type { Rule } from './rule-schema.js'

/**
 * Notifiers, the alert engine (its own timer for the alert pass) and the rules of the `--rules` file (read at
 * construction). Resolved alerts and their history are pruned hourly; silences expire by themselves.
 */
export function alertsModule(hub: HubContext, notificationConfig: NotificationConfig, fileRules: Rule[] | undefined): HubModule {
  const { alerts: alertSettings, retention } = hub.settings
  let notices: ConditionNotices | undefined
  return {
    name: 'alerts',
    async start() {
      const { log, clock } = hub
      hub.notifications = await createNotifications(notificationConfig, { broker: hub.broker!.broker, db: hub.db, clock, log })
      const engine = new AlertEngine({
        db: hub.db,
        store: hub.store,
        devices: hub.devices,
        notifiers: hub.notifications.engine,
        clock,
        log,
        metrics: hub.metrics,
        tickMs: alertSettings.evalInterval,
        startupGraceMs: alertSettings.startupGrace,
        maxBacklog: hub.options.testing?.alertMaxBacklog,
        slos: hub.slos,
        anomaly: hub.anomaly,
        onCommitted: (alerts, events) => publishAlertEvents(hub.events, alerts, events),
        afterStateWrite: hub.options.testing?.afterAlertStateWrite,
        handover: hub.leadership.clustered,
      })
      hub.alertEngine = engine
      const conditions = () => hubConditionAlerts({ storageFull: hub.space.full })
      // In a cluster every hub's API writes rules, silences and acks to the shared store and tells the others.
      hub.alerts = new AlertService(engine, clock, conditions, (change) => hub.cluster?.announceAlertConfig(change))
      // Hub conditions reach the notifiers without the database their outbox is in (condition-notices.ts).
      notices = new ConditionNotices({ notifiers: () => hub.notifications?.engine ?? [], engine, clock, log })
      hub.space.subscribe(() => void notices?.update(conditions()))
      // In a cluster the engine runs on the leader only, from when it leads (below); a hub alone starts it now.
      if (hub.leadership.clustered) {
        // A follower's API lists and checks the rules and silences the store holds (kept as data, not evaluated).
        await hub.alerts.syncFromStore().catch(() => {})
        return
      }
      await engine.start()
      if (fileRules) await hub.alerts.provision(fileRules)
    },
    async leadership(leader) {
      const engine = hub.alertEngine!
      if (!hub.leadership.clustered) return
      if (!leader) return engine.standDown()
      await engine.start()
      if (fileRules) await hub.alerts.provision(fileRules)
    },
    stop: async () => {
      notices?.stop()
      await hub.alertEngine?.stop()
    },
    periodic: [
      {
        // The safety net of the cluster's change notices (lost while Redis is away): every hub re-reads its rules,
        // silences and acknowledgements from the shared store (docs/cluster.md, "Caches over a shared store").
        name: 'alerts.config-sync',
        everyMs: 5_000,
        run: async () => {
          if (hub.leadership.clustered) await hub.alerts!.syncFromStore()
        },
      },
      {
        name: 'alerts.prune',
        everyMs: 3_600_000,
        leaderOnly: true,
        run: () => {
          const engine = hub.alertEngine!
          return engine.run(() => engine.store.prune(hub.clock() - retention.alerts))
        },
      },
      {
        // A cluster's stored batches whose notice to the leader was lost (Redis away, a leader that died).
        name: 'alerts.handover',
        everyMs: 2_000,
        leaderOnly: true,
        run: async () => {
          if (hub.leadership.clustered) await hub.alertEngine!.drainHandover(3_000)
        },
      },
    ],
  }
}
