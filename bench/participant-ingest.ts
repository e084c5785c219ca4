import { Level } from 'level'
import type { DecodedBatch } from '../protocol/batch.js'
import { LevelMetricStore } from '../hub/metrics/store/index.js'
import type { BatchStager } from '../hub/storage/commit.js'
import type { Database } from '../hub/storage/db.js'
import type { IngestOptions } from '../hub/storage/types.js'
import { dirBytes, settledBytes } from './machine.js'

// The timing loop of the benches of stores that write through LevelMetricStore.ingest as its participants (log and
// trace stores, bench/logs.ts and bench/traces.ts): ingest rounds of batches in parallel, seal, then the disk after a
// clean close and fully compacted, and the store reopened for its read figures.

/** A store that stages its part of each batch in the metric store's commit. */
export interface IngestParticipant extends BatchStager {
  open(): Promise<void>
  close(): Promise<void>
}

export interface IngestTiming {
  /** Time in LevelMetricStore.ingest only: building the batches is the agent's work, not the hub's. */
  ingestMs: number
  /** Ingest and sealing what is left into blocks. */
  sealedMs: number
  /** CPU time of all threads (ingest, seal workers, LevelDB's), batch building included, from the first batch to the last seal. */
  cpu: NodeJS.CpuUsage
  /** Disk as a clean close leaves it. */
  bytes: number
  /** Disk after a full compaction. */
  compactedBytes: number
  /** Opening the store again, from its database open (block summaries are loaded at open). */
  openMs: number
}

export interface IngestPlan<P extends IngestParticipant, R> {
  dir: string
  make: (db: Database) => P
  /** Each round's batches, ingested in parallel; the iterator builds a round when asked, outside the timing. */
  rounds: Iterable<DecodedBatch[]>
  ingestOptions?: IngestOptions
  /** After each round's ingest (untimed), e.g. to sample the head's size. */
  afterRound?: (participant: P) => void
  /** After the last round, before the seal (untimed). */
  beforeSeal?: (participant: P) => Promise<void>
  seal: (participant: P) => Promise<void>
  /** The read figures, on the store reopened from disk. */
  measure: (participant: P, timing: IngestTiming) => Promise<R>
}

function openDb(dir: string): Level<string, any> {
  // As the hub's createDatabase: a 16 MiB memtable.
  return new Level<string, any>(dir, { valueEncoding: 'json', writeBufferSize: 16 * 1024 * 1024 })
}

export async function benchIngestParticipant<P extends IngestParticipant, R>(plan: IngestPlan<P, R>): Promise<R> {
  const db = openDb(plan.dir)
  await db.open()
  let participant = plan.make(db)
  let store = new LevelMetricStore(db, { participants: [participant] })
  const open = async () => {
    await store.open()
    await participant.open()
  }
  const close = async () => {
    await store.close()
    await participant.close()
    await db.close()
  }
  await open()
  try {
    let ingestMs = 0
    const cpuStarted = process.cpuUsage()
    for (const round of plan.rounds) {
      const started = performance.now()
      await Promise.all(round.map((batch) => store.ingest(batch, plan.ingestOptions)))
      ingestMs += performance.now() - started
      plan.afterRound?.(participant)
    }
    await plan.beforeSeal?.(participant)
    const sealStarted = performance.now()
    await plan.seal(participant)
    const sealedMs = ingestMs + performance.now() - sealStarted
    const cpu = process.cpuUsage(cpuStarted)
    await close()
    const bytes = await dirBytes(plan.dir)
    const compactedBytes = await settledBytes(plan.dir)
    await db.open()
    const openStarted = performance.now()
    participant = plan.make(db)
    store = new LevelMetricStore(db, { participants: [participant] })
    await open()
    const openMs = Math.round(performance.now() - openStarted)
    return await plan.measure(participant, { ingestMs, sealedMs, cpu, bytes, compactedBytes, openMs })
  } finally {
    if (db.status === 'open') await close()
  }
}

/** Median wall time of `runs` calls of `fn`, in ms to the µs. */
export async function medianMs(runs: number, fn: (run: number) => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let run = 0; run < runs; run++) {
    const started = performance.now()
    await fn(run)
    times.push(performance.now() - started)
  }
  times.sort((a, b) => a - b)
  return Math.round(times[Math.floor(times.length / 2)] * 1000) / 1000
}
