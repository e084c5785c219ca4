// The alert store's interface (DESIGN §6, §10): rules, alerts with their history, silences, incidents and the
// notification outbox, as the alert engine and service use them. The LevelDB implementation is level-alert-store.ts;
// every implementation must pass test/hub/alerts/store/alert-store.case.ts.
import type { Incident } from '../incidents.js'
import type { Notification } from '../notifiers/types.js'
import type { StoredRule } from '../rule-schema.js'
import type { Silence } from '../silences.js'
import type { AlertRecord, HistoryEvent } from '../types.js'
import type { DecodedBatch } from '../../../protocol/batch.js'

/** A notification to announce, kept in the same write as the state it announces until every notifier had it. */
export interface OutboxEntry {
  /** Sorts by the step that wrote it: `step time (15 digits)-random`. */
  id: string
  notification: Notification
  /** Only these notifiers (by name) are to have it; absent: all. A hub condition's notifiers that missed it. */
  only?: string[]
}

/** One engine step's changes; several are written as one atomic write. */
export interface AlertWrite {
  rules?: { put?: StoredRule[]; del?: string[] }
  alerts?: { put?: AlertRecord[]; del?: string[] }
  /** Appended to their alert's history. */
  events?: HistoryEvent[]
  silences?: { put?: Silence[]; del?: string[] }
  incidents?: Incident[]
  outbox?: OutboxEntry[]
  /** Batches of a cluster's hand-over evaluated in this write (docs/cluster.md, "Ingest-time evaluation"). */
  handover?: { done: string[]; evaluated: Array<{ device: string; ep: string; ranges: SeqRanges }> }
}

/** Sorted, disjoint, inclusive [first, last] seq ranges. */
export type SeqRanges = Array<[number, number]>

/** A stored batch waiting in the cluster's hand-over for the leader's alert engine. */
export interface HandoverEntry {
  key: string
  device: string
  batch: DecodedBatch
  shift: number
  /** When the ingesting hub wrote it (its clock). */
  at: number
}

export interface AlertStore {
  /**
   * Writes every change of `writes` in one atomic write, in order: a later put of a key wins, a delete removes what
   * an earlier put of the same write set.
   */
  write(...writes: AlertWrite[]): Promise<void>
  loadRules(): Promise<StoredRule[]>
  loadSilences(): Promise<Silence[]>
  /** Pending and firing alerts (not resolved). */
  loadOpenAlerts(): Promise<AlertRecord[]>
  loadOpenIncidents(): Promise<Incident[]>
  /** Notifications written with their state but not yet handed to every notifier, oldest (lowest id) first. */
  loadOutbox(): Promise<OutboxEntry[]>
  deleteOutbox(id: string): Promise<void>
  getAlert(id: string): Promise<AlertRecord | undefined>
  /** Alerts passing `filter`, highest id (newest start) first, at most `limit`. */
  listAlerts(filter: (a: AlertRecord) => boolean, limit: number): Promise<AlertRecord[]>
  /** One alert's history events, oldest first (by time, then in the order written). */
  history(alertId: string): Promise<HistoryEvent[]>
  /** Incidents passing `filter`, highest id (newest start) first, at most `limit`. */
  listIncidents(filter: (i: Incident) => boolean, limit: number): Promise<Incident[]>
  /** Deletes resolved alerts (with their history) and resolved incidents that ended before `cutoff`. */
  prune(cutoff: number): Promise<{ alerts: number; incidents: number }>
  /** Erases every alert of `device` with its history, and its alert ids from incidents (purge). */
  purgeDevice(device: string): Promise<{ alerts: number }>
  /** A hub of a cluster stored a batch: keep it for the leader's engine until a write's `handover.done` has it. */
  putHandover(entry: HandoverEntry): Promise<void>
  /** The batches waiting for the leader's engine, by device, epoch and seq. */
  loadHandover(): Promise<HandoverEntry[]>
  /** The seqs of (device, epoch) the leader's engine evaluated. */
  loadEvaluated(device: string, ep: string): Promise<SeqRanges>
}
