// Issue 17: how the hub turns `notifiers:`, `route:`, `inhibit_rules:` and `time_intervals:` into what the engine
// calls. Without a route every notifier gets everything (as before); with one, the MQTT topics still get everything
// (DESIGN §3) and the router decides for the named receivers.
import { OptionsError } from '../../kit/options.js'
import { AttemptLog } from './notifiers/attempt-log.js'
import { createNotifiers, parseNotifierConfigs, type NotifierConfig, type ParsedNotifiers } from './notifiers/registry.js'
import type { Notifier, NotifierContext } from './notifiers/types.js'
import { AlertConfigError } from './rule-schema.js'
import { buildRouting, type Routing } from './routing/route-tree.js'
import { Router } from './routing/router.js'

export interface NotificationConfig {
  notifiers: ParsedNotifiers
  routing?: Routing
}

/** The receiver name of each parsed notifier that has one (`name:`); routes may name only these. */
export function receiverNames(parsed: ParsedNotifiers): Set<string> {
  const names = new Set<string>()
  parsed.forEach(({ plugin, options }, i) => {
    const name = (options as { name?: string }).name
    if (!name || plugin.name === 'mqtt') return
    if (names.has(name)) throw new AlertConfigError(`notifiers[${i}].name: receiver "${name}" is defined twice`)
    names.add(name)
  })
  return names
}

/** Checks the whole notification config with no I/O but secret files; errors name the key (AlertConfigError). */
export function parseNotificationConfig(notifiers: readonly NotifierConfig[], routing: unknown): NotificationConfig {
  const parsed = parseNotifierConfigs(notifiers)
  try {
    return { notifiers: parsed, routing: buildRouting(routing, receiverNames(parsed)) }
  } catch (err) {
    throw err instanceof OptionsError ? new AlertConfigError(err.message) : err
  }
}

export interface Notifications {
  /** What the engine calls. */
  engine: Notifier[]
  /** Named receivers, for routes and POST /v1/receivers/{name}/test. */
  receivers: Map<string, Notifier>
  attempts: AttemptLog
  router?: Router
}

export async function createNotifications(config: NotificationConfig, ctx: NotifierContext, tickMs?: number): Promise<Notifications> {
  const attempts = new AttemptLog(ctx.db, ctx.clock)
  await attempts.open()
  const all = createNotifiers(config.notifiers, { ...ctx, attempts })
  const receivers = new Map<string, Notifier>()
  config.notifiers.forEach(({ options }, i) => {
    const name = (options as { name?: string }).name
    if (name && all[i].name !== 'mqtt') receivers.set(name, all[i])
  })
  if (!config.routing) return { engine: all, receivers, attempts }
  const router = new Router({ routing: config.routing, receivers, db: ctx.db, clock: ctx.clock, log: ctx.log, tickMs })
  // Unnamed notifiers other than MQTT cannot be routed to; they keep getting everything.
  const unrouted = all.filter((n, i) => !(config.notifiers[i].options as { name?: string }).name || n.name === 'mqtt')
  return { engine: [...unrouted, router], receivers, attempts, router }
}
