import { describe, expect, it } from 'vitest'
import { dirBytes } from '../../../agent/buffer/level-files.js'
import type { LevelBuffer } from '../../../agent/buffer/level-buffer.js'
import { BufferFullError } from '../../../agent/buffer/types.js'
import { bodyFor, bufferTestDir, openBuffer, readAll, sameBytes } from './fixtures.js'

const CAP = 8 * 1024 * 1024
const BODY = 64 * 1024 // random bytes: LevelDB cannot compress them, so disk use tracks what is held

describe('LevelBuffer cap, measured on disk', () => {
  let buffer: LevelBuffer | undefined
  const dir = bufferTestDir(() => buffer)

  it('drop_oldest through an outage 4× longer than it can hold: disk stays within one file of the cap, every drop counted', async () => {
    const b = (buffer = await openBuffer(dir.dir, { maxBytes: CAP, policy: 'drop_oldest' }))
    const total = Math.ceil((4 * CAP) / BODY)
    let worst = 0
    for (let seq = 1; seq <= total; seq++) {
      expect(await b.append(bodyFor(seq, BODY))).toBe(seq)
      worst = Math.max(worst, await dirBytes(dir.dir))
    }
    expect(worst).toBeLessThanOrEqual(CAP + b.fileBytes)
    expect(worst).toBeGreaterThan(CAP / 2) // the cap is used, not undershot

    const held = await readAll(b)
    const missing = total - held.length
    expect(b.stats().droppedBatches).toEqual({ buffer_full: missing })
    expect(missing).toBeGreaterThan(0)
    // What went were the oldest: the held seqs are the newest, contiguous, and intact.
    expect(held.map((h) => h.seq)).toEqual(Array.from({ length: held.length }, (_, i) => missing + 1 + i))
    for (const { seq, body } of held) expect(sameBytes(body, bodyFor(seq, BODY))).toBe(true)
    expect(b.lowestSeq()).toBe(missing + 1)
    expect(b.stats()).toMatchObject({ pending: held.length, bytes: held.length * BODY, oldestSeq: missing + 1 })
  })

  it('block: refuses new data when full, keeps all it accepted, and takes data again once acks free the disk', async () => {
    const b = (buffer = await openBuffer(dir.dir, { maxBytes: CAP, policy: 'block' }))
    let accepted = 0
    for (let seq = 1; ; seq++) {
      try {
        await b.append(bodyFor(seq, BODY))
        accepted = seq
      } catch (err) {
        expect(err).toBeInstanceOf(BufferFullError)
        break
      }
      expect(await dirBytes(dir.dir)).toBeLessThanOrEqual(CAP + b.fileBytes)
    }
    expect(accepted).toBeGreaterThan(CAP / BODY / 2)
    // LevelDB may compact between the refusal and the next call and free a little room, which block may then use:
    // so ask for more than the cap can hold beside the accepted (incompressible) bodies, however it compacts.
    const room = CAP - accepted * BODY
    const tooMany = Array.from({ length: Math.max(2, Math.ceil(room / BODY) + 1) }, () => bodyFor(0, BODY))
    await expect(b.appendMany(tooMany)).rejects.toThrow(/buffer full/)
    expect((await readAll(b)).map((h) => h.seq)).toEqual(Array.from({ length: accepted }, (_, i) => i + 1))
    expect(b.stats().droppedBatches).toEqual({})

    await b.ack(b.epoch, Math.floor(accepted / 2))
    expect(await b.append(bodyFor(accepted + 1, BODY))).toBe(accepted + 1)
    expect(await dirBytes(dir.dir)).toBeLessThanOrEqual(CAP + b.fileBytes)
  })

  it('refuses a batch larger than the whole cap, whatever the policy', async () => {
    const b = (buffer = await openBuffer(dir.dir, { maxBytes: 1024 * 1024, policy: 'drop_oldest' }))
    await b.append(bodyFor(1, 1000))
    await expect(b.append(new Uint8Array(1024 * 1024 + 1))).rejects.toBeInstanceOf(BufferFullError)
    expect(b.stats()).toMatchObject({ pending: 1, droppedBatches: {} })
  })
})
