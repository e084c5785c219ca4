import type { QueryAnswers, QueryTimings } from './queries.js'
import type { PromqlRun } from './promql.js'

/** One system's figures on the shared dataset. */
export interface PeerResult {
  system: string
  samplesPerSecond: number
  bytesPerSample: number
  /** Median ms of each query. */
  queries: QueryTimings
  answers: QueryAnswers
  /** The PromQL queries (promql.ts), for systems that speak PromQL. */
  promql?: PromqlRun
  /** How each figure was measured, printed under the table. */
  notes: string[]
}
