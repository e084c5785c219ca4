import type { Aedes } from 'aedes'
import type { Database } from '../../storage/db.js'
import type { z } from 'zod'
import type { Logger } from '../../../kit/log.js'
import type { Plugin } from '../../../kit/plugin.js'
import type { AlertMessage } from '../types.js'
import type { Labels } from '../../../protocol/batch.js'

/** What one engine pass sends for one rule: its alerts that fired, repeat or resolved, with their incident. */
export interface Notification {
  incident: string | null
  alerts: AlertMessage[]
}

/** One queued message: a notification, and when the routing tree sent it, its receiver and group. */
export interface Delivery {
  notification: Notification
  receiver?: string
  groupKey?: string
  groupLabels?: Labels
  /** A test message from POST /v1/receivers/{name}/test. */
  test?: boolean
  /** Sent when an alert is acknowledged in Outpost (PagerDuty `acknowledge`); others ignore it. */
  acknowledged?: boolean
}

export type SendResult = { outcome: 'delivered' | 'retry' | 'refused'; retryAfterMs?: number; error?: string }

/** Where attempts are recorded (GET /v1/notifications); optional so a notifier works without the hub. */
export interface AttemptRecorder {
  record(a: { receiver: string; kind: string; alerts: string[]; status: 'delivered' | 'retrying' | 'refused' | 'dropped'; attempt: number; error?: string; nextAt?: number }): void
}


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
  /** One try at once, without writing to the database (a hub condition while its disk is full; condition-notices.ts). */
  sendNow?(d: Delivery): Promise<SendResult>
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
