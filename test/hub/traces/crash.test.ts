import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BatchTally, useCrashIngest } from '../../helpers/crash-ingest.js'
import type { BlockTraceStore } from '../../../hub/traces/index.js'
import { makeBlockTraceHarness, type TraceHarness } from './trace-harness.js'

// Issue 15: SIGKILL of a process ingesting spans into the block store, during ingest and during block sealing, at
// random moments; after each kill every acked batch is there, whole, exactly once, and no batch is there in part
// (as test/hub/logs/crash.test.ts for logs; both through test/helpers/crash-ingest.ts).
// Redelivering everything afterwards (as agents do) stores the rest, still nothing twice. Real child processes on
// a real LevelDB; the checker reopens the store after the kill.

const CHILD = fileURLToPath(new URL('./crash-child.mjs', import.meta.url))
const DEVICES = 4
const BATCHES = 150
const SPANS = 40
const BLOCK_SPANS = 300

/** Opens the store after a kill: every span by (device, seq, k); fails on a duplicate or a batch stored in part. */
async function storedBatches(dir: string, check?: (h: TraceHarness<BlockTraceStore>) => void): Promise<Set<string>> {
  const h = await makeBlockTraceHarness({ blockSpans: BLOCK_SPANS, retentionMs: 3650 * 86_400_000 }, dir)
  try {
    const tally = new BatchTally()
    for (let d = 0; d < DEVICES; d++) {
      for await (const span of h.traces.exportDevice(`crash-${d}`)) {
        const [, dev, seq] = /^crash-d(\d+)-s(\d+)$/.exec(span.traceId)!
        expect(dev).toBe(String(d))
        expect(span.attrs).toEqual({ d, seq: Number(seq), k: Number(span.spanId.slice(1)) })
        tally.add(`${dev} ${seq}`, span.spanId, `span ${span.traceId}/${span.spanId}`)
      }
    }
    tally.expectWhole(SPANS)
    const batches = tally.batches()
    // Lookups, searches and stats agree with the export: every stored trace is found whole, and counted once.
    for (const batch of [...batches].slice(0, 20)) {
      const [d, seq] = batch.split(' ')
      expect((await h.traces.getTrace(`crash-d${d}-s${seq}`))?.spanCount).toBe(SPANS)
    }
    const all = { from: 0, to: 8.64e15 }
    expect((await h.traces.search({ ...all, service: 'crash', operation: 'probe', limit: 1_000 })).length).toBe(batches.size)
    const stats = await h.traces.stats(all)
    expect(stats.reduce((n, s) => n + s.count, 0)).toBe(batches.size * SPANS)
    check?.(h)
    return batches
  } finally {
    await h.close()
  }
}

describe('block trace store SIGKILLed during ingest and sealing', { timeout: 300_000 }, () => {
  const crash = useCrashIngest(CHILD, { devices: DEVICES, batches: BATCHES, perBatch: SPANS, blockSize: BLOCK_SPANS })

  it('killed 10 times during ingest and 10 times right after a seal started: every acked batch once and whole, none in part', async () => {
    expect(await crash.killRepeatedly(20, () => storedBatches(crash.dir))).toBe(10)
    // Everything redelivered: the rest stored, nothing twice.
    const stored = await crash.redeliverAll(() => storedBatches(crash.dir, (h) => expect(h.traces.storeStats().blocks).toBeGreaterThan(1)))
    expect(stored.size).toBe(DEVICES * BATCHES)
  })
})
