import { describe, expect, it } from 'vitest'
import { Level } from 'level'
import { seqKey } from '../../../agent/buffer/record.js'
import type { LevelBuffer } from '../../../agent/buffer/level-buffer.js'
import { bodyFor, bufferTestDir, openBuffer, readAll } from './fixtures.js'

// Counters that promise a record no read returns (a record gone with a damaged file while its counter row
// survived): reconcile() recounts from the database and counts the difference as corrupt (docs/delivery.md).
describe('LevelBuffer.reconcile', () => {
  let buffer: LevelBuffer | undefined
  const dir = bufferTestDir(() => buffer)

  it('recounts pending batches and bytes from the records and counts the missing ones as corrupt', async () => {
    buffer = await openBuffer(dir.dir)
    for (let seq = 1; seq <= 5; seq++) await buffer.append(bodyFor(seq, 100))
    await buffer.close()
    // Remove one record behind the buffer's back, leaving its counters as they were.
    const db = new Level<string, Uint8Array>(dir.dir, { valueEncoding: 'view' })
    await db.sublevel<string, Uint8Array>('b', { valueEncoding: 'view' }).del(seqKey(3))
    await db.close()

    buffer = await openBuffer(dir.dir)
    expect(buffer.stats().pending).toBe(5)
    expect(await buffer.reconcile()).toBe(1)
    expect(buffer.stats()).toMatchObject({ pending: 4, droppedBatches: { corrupt: 1 } })
    expect((await readAll(buffer)).map((b) => b.seq)).toEqual([1, 2, 4, 5])
    // A second recount finds nothing more to correct.
    expect(await buffer.reconcile()).toBe(0)
    expect(buffer.stats().droppedBatches.corrupt).toBe(1)
  })
})
