export { LevelMetricStore, type IngestParticipant, type LevelMetricStoreOptions } from './level-metric-store.js'
export type { BatchOp, MetricDb } from './keys.js'
export type { PruneResult } from './pruner.js'
export { decodeChunk, encodeChunk } from './chunk-codec.js'
