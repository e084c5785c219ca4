// What writing one batch takes and answers (DESIGN §5), shared by the BatchWriter and every store that stages rows,
// and the dedup mark store the BatchWriter keeps its marks in.
import type { BatchOp } from './db.js'

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

/**
 * What the hub has stored of one (device, epoch) — DESIGN §5, exactly-once in the store.
 * Every seq <= `w` is stored (or was given up by the agent, see `lo`); `ranges` are the stored seqs above
 * `w + 1` as sorted, disjoint, non-touching [start, end] pairs, so a long out-of-order replay stays small.
 */
export interface DedupMark {
  w: number
  ranges: Array<[number, number]>
}

/** Where a write stages its operations: a batch's Commit (./commit.ts). */
export interface Stageable {
  stage(ops: readonly BatchOp[]): void
}

/**
 * The dedup marks, one per (device, epoch). The BatchWriter reads a device's mark, stages the next one into the
 * batch's commit and keeps it cached; a mark is durable exactly when the batch's rows are. Implementations must pass
 * test/hub/storage/dedup-mark-store.case.ts.
 */
export interface DedupMarkStore {
  /** The stored mark of (device, epoch), undefined when none was ever committed. */
  get(device: string, epoch: string): Promise<DedupMark | undefined>
  /** Stages the write of the mark into `commit` (a later stage of the same mark in one commit wins). */
  stage(commit: Stageable, device: string, epoch: string, mark: DedupMark): void
  /** Deletes every epoch's mark of `device` (and no other device's); answers how many there were. */
  purgeDevice(device: string): Promise<number>
}
