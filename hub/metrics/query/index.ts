// The query engine's public surface, for the HTTP routes and the alert engine.
export { runQuery, readRange, computeStats } from './aggregate.js'
export { QueryError, type QueryErrorCode } from './errors.js'
export {
  parseSelectorParams,
  parseQueryParams,
  parseStatsParams,
  assertSeriesLimit,
  DEFAULT_QUERY_LIMITS,
  type QueryLimits,
  type ParsedQuery,
  type ParsedStats,
} from './params.js'
export { parseTime, parseDuration, formatDuration } from './time.js'
export * from './types.js'
export { executeQuery, executeStats, resolveMetric, type SampleSource, type MetricKind, type StatsAnswer } from './execute.js'
export { runHistogramQuantile, computeHistogramStats } from './histogram.js'
export { bucketQuantile, parseLe, type CumulativeBucket } from './bucket-quantile.js'
export { computeSummaryStats, summaryQuantileSeries } from './summary.js'
