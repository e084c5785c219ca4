import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { BatchTally, useCrashIngest } from '../../helpers/crash-ingest.js'
import { makeBlockLogHarness } from './harness.js'

// Issue 15: SIGKILL of a process ingesting logs into the block store, during ingest and during block sealing, at
// random moments; after each kill every acked batch is there, whole, exactly once, and no batch is there in part.
// Redelivering everything afterwards (as agents do) stores the rest, still nothing twice. Real child processes on
// a real LevelDB; the checker reopens the store after the kill (test/helpers/crash-ingest.ts).

const CHILD = fileURLToPath(new URL('./crash-child.mjs', import.meta.url))
const DEVICES = 4
const BATCHES = 150
const LINES = 40
const BLOCK_LINES = 300

/** Opens the store after a kill: every line by (device, seq, k); fails on a duplicate or a batch stored in part. */
async function storedBatches(dir: string): Promise<Set<string>> {
  const h = await makeBlockLogHarness({ blockLines: BLOCK_LINES }, dir)
  try {
    const lines = (await h.logs.query({ from: -Infinity, to: Infinity, limit: 1_000_000 })).logs
    const tally = new BatchTally()
    for (const line of lines) {
      const [, d, s, k] = /^probe d(\d+) s(\d+) k(\d+)/.exec(line.message)!
      tally.add(`${d} ${s}`, k, `line ${line.message}`)
    }
    tally.expectWhole(LINES)
    // The search index agrees with the lines: every stored line is found by its words.
    const found = (await h.logs.query({ from: -Infinity, to: Infinity, words: ['modbus', 'timeout'], limit: 1_000_000 })).logs.length
    expect(found).toBe(lines.length)
    // And by a rare word, read from the rare rows the seals wrote in the same batch as the blocks.
    const rare = (await h.logs.query({ from: -Infinity, to: Infinity, words: ['watchdog'], limit: 1_000_000 })).logs.map((l) => l.message)
    expect(rare).toEqual(lines.filter((l) => l.message.endsWith(' watchdog')).map((l) => l.message))
    return tally.batches()
  } finally {
    await h.close()
  }
}

describe('block log store SIGKILLed during ingest and sealing', { timeout: 300_000 }, () => {
  const crash = useCrashIngest(CHILD, { devices: DEVICES, batches: BATCHES, perBatch: LINES, blockSize: BLOCK_LINES })

  it('killed 10 times, during ingest or right after a seal started: every acked batch once and whole, none in part', async () => {
    expect(await crash.killRepeatedly(10, () => storedBatches(crash.dir))).toBe(5)
    // Everything redelivered: the rest stored, nothing twice.
    const stored = await crash.redeliverAll(() => storedBatches(crash.dir))
    expect(stored.size).toBe(DEVICES * BATCHES)
  })
})
