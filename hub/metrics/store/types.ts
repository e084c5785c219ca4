import type { DecodedBatch, Labels, MetricType } from '../../../protocol/batch.js'
import type { Rollup } from '../encoding/rollup.js'

export type { Rollup } from '../encoding/rollup.js'
export type { IngestOptions, IngestResult } from '../../storage/types.js'
import type { IngestOptions, IngestResult } from '../../storage/types.js'

/** A stored series. `labels` include the `device` label the hub adds at ingest (DESIGN §8). */
export interface SeriesInfo {
  id: number
  name: string
  type: MetricType
  labels: Labels
  unit?: string
}

/** Exact-match selection: metric name (optional) and label equalities (all must hold). */
export interface SeriesSelector {
  name?: string
  labels?: Labels
}

/** Samples of one series in ascending time order. */
export interface SeriesSamples {
  series: SeriesInfo
  ts: Float64Array
  values: Float64Array
}

export interface SeriesRollup {
  series: SeriesInfo
  /** Bucket width, ms. */
  width: number
  rollup: Rollup
}

export interface CompactionResult {
  headRowsCompacted: number
  chunksWritten: number
  samples: number
}

export interface MetricStoreStats {
  series: number
  headRows: number
  headSamples: number
  chunkRows: number
}

/** The hub's metric store (DESIGN §6). Implementations must pass test/hub/metrics/store/metric-store.case.ts. */
export interface MetricStore {
  open(): Promise<void>
  close(): Promise<void>
  /** Writes the batch's metrics and the device's dedup mark in one atomic write, then resolves (DESIGN §5). */
  ingest(batch: DecodedBatch, options?: IngestOptions): Promise<IngestResult>
  /** Sorted distinct metric names. */
  names(): Promise<string[]>
  series(selector: SeriesSelector): Promise<SeriesInfo[]>
  /**
   * Samples of each series within [from, to] (inclusive), ascending by time, head and chunks merged. The arrays may
   * be shared with the store's cache and other reads: read them, never write into them.
   */
  read(series: SeriesInfo[], from: number, to: number): Promise<SeriesSamples[]>
  /**
   * Optional: the samples of each series within [from, to] as buckets of a width that divides `step`, from stored
   * rollups where the store has them; undefined when it has none worth using (the caller reads raw samples).
   */
  readRollups?(series: SeriesInfo[], from: number, to: number, step: number): Promise<SeriesRollup[] | undefined>
  /** Moves closed time windows from the write-ahead head into per-series chunks. */
  compact(now?: number): Promise<CompactionResult>
  stats(): MetricStoreStats
  /**
   * Optional: calls `listener` after every change to stored data with the oldest sample time it touched (-Infinity
   * when it deleted data: retention, a device purge, relabelling). Returns a function that removes the listener.
   * Caches of query answers (hub/prometheus/result-cache.ts) need it and stay off without it.
   */
  onChange?(listener: ChangeListener): () => void
}

/** What MetricStore.onChange reports: the oldest sample time a write touched, -Infinity for any deletion. */
export type ChangeListener = (oldestTs: number) => void
