import type { QueryAnswers, QueryTimings } from './queries.js'

/** One system's figures on the shared dataset. */
export interface PeerResult {
  system: string
  samplesPerSecond: number
  bytesPerSample: number
  /** Median ms of each query. */
  queries: QueryTimings
  answers: QueryAnswers
  /** How each figure was measured, printed under the table. */
  notes: string[]
}
