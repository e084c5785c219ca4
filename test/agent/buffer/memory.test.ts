import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { describe, expect, it } from 'vitest'
import type { LevelBuffer } from '../../../agent/buffer/level-buffer.js'
import { bodyFor, bufferTestDir, openBuffer } from './fixtures.js'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** Settled heap use: collect twice so that only what is still referenced counts. */
function heapUsed(): number {
  gc()
  gc()
  return process.memoryUsage().heapUsed
}

/** Largest collection (Map, Set, array) reachable from `root` within a few hops: what would grow per batch. */
function largestCollection(root: object, depth = 3, seen = new Set<unknown>()): number {
  if (depth < 0 || seen.has(root)) return 0
  seen.add(root)
  let largest = root instanceof Map || root instanceof Set ? root.size : Array.isArray(root) ? root.length : 0
  for (const value of Object.values(root)) {
    if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) largest = Math.max(largest, largestCollection(value, depth - 1, seen))
  }
  return largest
}

describe('LevelBuffer memory', () => {
  let buffer: LevelBuffer | undefined
  const dir = bufferTestDir(() => buffer)

  it('stays flat however large the backlog: 50,000 pending batches hold no per-batch structure', async () => {
    const b = (buffer = await openBuffer(dir.dir))
    const appendBatches = async (from: number, count: number) => {
      for (let seq = from; seq < from + count; seq += 100) {
        await b.appendMany(Array.from({ length: 100 }, (_, k) => bodyFor(seq + k, 100)))
      }
    }
    await appendBatches(1, 2_000)
    const before = heapUsed()
    await appendBatches(2_001, 50_000)
    const after = heapUsed()
    expect(b.stats()).toMatchObject({ pending: 52_000, oldestSeq: 1 })
    expect(largestCollection(b)).toBeLessThan(100)
    // A Map of seq → size alone would take several MB for 50,000 entries.
    expect(after - before).toBeLessThan(1024 * 1024)
    expect(b.lowestSeq()).toBe(1)
    expect(await b.ack(b.epoch, 51_000)).toBe(51_000)
    expect(b.stats()).toMatchObject({ pending: 1_000, oldestSeq: 51_001, bytes: 100_000 })
  })
})
