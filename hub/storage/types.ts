// What writing one batch takes and answers (DESIGN §5), shared by the BatchWriter and every store that stages rows.

export interface IngestOptions {
  /** Added to every sample timestamp before storing (clock correction, DESIGN §5). */
  tsOffset?: number
}

export interface IngestResult {
  /** True when (dev, ep, seq) was already stored: nothing written. */
  duplicate: boolean
  /** Every batch of `batch.ep` up to this seq is durably stored: the value to put in the ack. */
  ackSeq: number
  /** Samples written (0 for a duplicate). */
  samples: number
  /** Seqs above `ackSeq` already stored, as [start, end] pairs (selective ack). */
  storedRanges: Array<[number, number]>
}
