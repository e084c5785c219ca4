import { describe, expect, it } from 'vitest'
import { LevelBuffer } from '../../../agent/buffer/level-buffer.js'
import { readPendingCounter, resetBufferDb } from '../../../agent/buffer/level-files.js'
import { tempDir } from '../../helpers/temp.js'

// Issue 11, seen once in 31 loaded corrupt-buffer runs: a buffer beyond repair at start was moved aside with
// `lost: 0` (nothing had been loaded yet), a whole backlog gone uncounted. The moved database's own counter says
// what went with it.
describe('a buffer moved aside as beyond repair', () => {
  it("is counted by the moved database's pending counter", async () => {
    const dir = await tempDir()
    try {
      const data = `${dir.dir}/agent`
      const b = new LevelBuffer(data, { maxBytes: 16 * 1024 * 1024, policy: 'drop_oldest' })
      await b.open()
      for (let k = 0; k < 7; k++) await b.append(new Uint8Array(100).fill(k))
      await b.ack(b.epoch, 2)
      await b.close()
      const { db, outcome } = await resetBufferDb(data, 16 * 1024 * 1024, () => 1)
      await db.close()
      expect(outcome.kind).toBe('reset')
      expect(await readPendingCounter((outcome as { movedTo: string }).movedTo)).toBe(5)
      expect(await readPendingCounter(`${dir.dir}/nothing-here`)).toBeUndefined()
    } finally {
      await dir.cleanup()
    }
  })
})
