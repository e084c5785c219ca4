import type { Labels } from '../../protocol/batch.js'
import type { Severity } from './rules/common.js'

export type AlertState = 'pending' | 'firing' | 'resolved'
/** What `/v1/alerts` shows: the state, or acknowledged/silenced for a firing alert (docs/alerts.md). */
export type AlertStatus = AlertState | 'acknowledged' | 'silenced'

/** One evaluation of a rule for one group (device or groupBy label set). */
export interface Observation {
  /** Stable key of the group within the rule. */
  key: string
  /** The group's labels (groupBy labels; `device` when grouped by device). */
  labels: Labels
  value: number | string | null
  /** The firing condition holds. */
  active: boolean
  /** The clear condition holds (hysteresis): a firing alert may resolve. Equals !active without a clear band. */
  cleared: boolean
  /** Time of the evidence: a sample timestamp, or the hub clock for periodic passes (DESIGN §10). */
  ts: number
}

/** One alert: one episode of one rule's condition for one group, persisted on every change. */
export interface AlertRecord {
  id: string
  rule: string
  key: string
  device: string
  severity: Severity
  state: AlertState
  value: number | string | null
  labels: Labels
  annotations: Record<string, string>
  /** When the condition first held (evidence time). */
  activeAt: number
  /** Fires when the condition still holds at this time (activeAt + for): the persisted pending timer. */
  fireAt: number
  startsAt: number | null
  endsAt: number | null
  /** Time of the latest evidence; a firing alert is notified only while this is recent. */
  lastEvalTs: number
  /** The latest evaluation's condition. */
  lastActive: boolean
  /** keepFiringFor: since when the clear condition has held. */
  clearingSince: number | null
  /** A firing message went out for this alert (so its resolution is sent too). */
  notified: boolean
  lastNotifiedAt: number | null
  acknowledged: { by: string; at: number } | null
  resolvedBy: string | null
  incident: string | null
  /** Silences that muted a notification of this alert (the latest pass). */
  silencedBy: string[]
  updatedAt: number
}

/** DESIGN §10: the alert message on MQTT topics and in webhook posts. */
export interface AlertMessage {
  id: string
  rule: string
  device: string
  severity: Severity
  state: 'firing' | 'resolved'
  value: number | string | null
  startsAt: number
  endsAt: number | null
  annotations: Record<string, string>
  labels: Labels
  /**
   * Id of the notification that carries this message (one engine step's announcement for one rule). A hub killed
   * before every notifier had it announces it again on restart with the same id, so a subscriber can drop the repeat.
   */
  notification?: string
}

export interface HistoryEvent {
  alert: string
  at: number
  from: AlertState | null
  to: AlertState | 'acknowledged' | 'notified' | 'suppressed'
  by?: string
  value?: number | string | null
  note?: string
}

export function toMessage(a: AlertRecord, state: 'firing' | 'resolved'): AlertMessage {
  return {
    id: a.id,
    rule: a.rule,
    device: a.device,
    severity: a.severity,
    state,
    value: a.value,
    startsAt: a.startsAt ?? a.activeAt,
    endsAt: state === 'resolved' ? a.endsAt : null,
    annotations: a.annotations,
    labels: a.labels,
  }
}
