import type { Aedes } from 'aedes'
import type { Database } from '../../storage/db.js'
import type { z } from 'zod'
import type { Logger } from '../../../kit/log.js'
import type { Plugin } from '../../../kit/plugin.js'
import type { AlertMessage } from '../types.js'
import type { AttemptRecorder, Delivery } from './channel.js'

/** What one engine pass sends for one rule: its alerts that fired, repeat or resolved, with their incident. */
export interface Notification {
  incident: string | null
  alerts: AlertMessage[]
}

/** One message for one receiver, as the routing tree hands it over (issue 17; see channel.ts). */
export type { Delivery } from './channel.js'

/** A hub alert notifier (DESIGN §1 extension point). Implementations must pass test/hub/alerts/notifiers/notifier.case.ts. */
export interface Notifier {
  readonly name: string
  start?(): Promise<void>
  /** Sends the notification, or queues it durably; resolves when that is done. Never throws into the engine for a
   *  receiver's failure: retrying is the notifier's job. */
  notify(notification: Notification): Promise<void>
  /** After a hub restart: alerts already notified and still firing; restore state without sending them again. */
  restore?(firing: AlertMessage[]): Promise<void>
  stop?(): Promise<void>
  /** The name routes and /v1/receivers/{name}/test use (queued notifiers; issue 17). */
  readonly receiver?: string
  /** Queues one routed message with its group (route tree, escalation, test messages). */
  enqueue?(d: Delivery): Promise<void>
  /** An alert was acknowledged in Outpost (PagerDuty sends `acknowledge`; routing stops escalation). */
  acknowledge?(alert: AlertMessage): Promise<void>
}

export interface NotifierContext {
  broker: Aedes
  /** The hub's database, for a notifier's own sublevel (e.g. a persisted queue). */
  db: Database
  clock: () => number
  log: Logger
  /** Records each delivery attempt for GET /v1/notifications (absent outside a hub). */
  attempts?: AttemptRecorder
}

/** A kind of notifier: its `options` schema checks one `notifiers:` entry (no I/O); `create` builds it. */
export type NotifierPlugin<Schema extends z.ZodType = z.ZodType> = Plugin<Schema, NotifierContext, Notifier>
