// The health store's interface (DESIGN §6: health current and history): what the hub uses of it. The LevelDB
// implementation is level-health-store.ts; every implementation must pass test/hub/health/health-store.case.ts.
import type { BatchStager } from '../storage/commit.js'
import type { CurrentHealth, HealthRow } from './keys.js'

export type { CurrentHealth, HealthRow } from './keys.js'

export interface HistoryQuery {
  device?: string
  check?: string
  from: number
  to: number
  limit: number
}

export interface HealthStoreOptions {
  /** History older than this is deleted by prune(), in whole days; current rows older than it are hidden. */
  retentionMs: number
  clock?: () => number
}

/**
 * Health results of every device. Rows are staged into each stored batch's Commit (BatchStager), so they are durable
 * with the batch's metrics and dedup mark or not at all (DESIGN §5); what `current()` answers changes only once the
 * write has committed.
 */
export interface HealthStore extends BatchStager {
  /** Loads what the store keeps in memory and prunes; called before the first ingest. */
  open(): Promise<void>
  /**
   * Newest result per (device, check) — an older result arriving later only joins history — with `since`, the time
   * its status began; sorted by device then check; one device's only when `device` is given. Rows older than the
   * retention are left out.
   */
  current(device?: string): CurrentHealth[]
  /** History rows with ts in [from, to], newest first, at most `limit`; `more` tells that more rows matched. */
  history(query: HistoryQuery): Promise<{ rows: HealthRow[]; more: boolean }>
  /** Deletes history of whole UTC days before the day holding `now - retention`; answers the oldest day kept. */
  prune(now?: number): Promise<{ keptFromDay: number }>
  /** Erases every health result of `device`, history and current; answers how many history results were deleted. */
  purgeDevice(device: string): Promise<{ results: number }>
  /** Every stored history result of `device`, oldest first (export). */
  exportDevice(device: string): AsyncIterable<HealthRow>
}
