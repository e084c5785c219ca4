// DESIGN §5, §6: one commit per stored batch, as Prometheus's Appender. Every store stages its rows for the batch
// (metrics, logs, spans, health) and the dedup mark is staged with them; `commit()` writes them in one atomic write,
// then lets each store update what it keeps in memory. A store never writes a batch's rows on its own.
import type { DecodedBatch } from '../../protocol/batch.js'
import type { IngestOptions } from './types.js'
import type { BatchOp, Database } from './db.js'

export class Commit {
  private readonly ops: BatchOp[] = []
  private readonly committed: Array<() => void> = []
  private readonly holds: Array<() => Promise<void> | undefined> = []
  private readonly counts = new Map<string, number>()
  private done = false

  constructor(private readonly db: Database) {}

  /** Adds writes to the commit, in order (a later put of a key wins). */
  stage(ops: readonly BatchOp[]): void {
    if (this.done) throw new Error('commit already written')
    for (const op of ops) this.ops.push(op)
  }

  /** Runs `fn` once the commit is durable (in-memory indexes, caches); never when the write failed. */
  onCommitted(fn: () => void): void {
    this.committed.push(fn)
  }

  /**
   * Holds the commit's return (the ack) after the hooks until the promise `fn` returns then settles, if any: a store
   * whose background work lags behind ingest slows the acks down instead of growing without bound.
   */
  holdUntil(fn: () => Promise<void> | undefined): void {
    this.holds.push(fn)
  }

  /** Counts something staged (`samples`), for the caller's result. */
  count(what: string, n: number): void {
    this.counts.set(what, (this.counts.get(what) ?? 0) + n)
  }

  counted(what: string): number {
    return this.counts.get(what) ?? 0
  }

  /** Writes everything staged in one atomic write, then runs the onCommitted hooks in staging order. */
  async commit(): Promise<void> {
    if (this.done) throw new Error('commit already written')
    this.done = true
    await this.db.batch(this.ops)
    for (const fn of this.committed) fn()
    for (const fn of this.holds) await fn()
  }
}

/** A store's part of a stored batch: it stages its rows into the batch's commit (no I/O, no await). */
export interface BatchStager {
  /** Not called for duplicates. */
  stage(commit: Commit, batch: DecodedBatch, options: IngestOptions): void
}
