import { describe, expect, it } from 'vitest'
import { LevelBuffer } from '../../agent/buffer/level-buffer.js'
import { BufferFullError } from '../../agent/buffer/types.js'
import { tempDir } from '../helpers/temp.js'
import { bufferTestDir } from './buffer/fixtures.js'

const body = (n: number, size = 100) => new Uint8Array(size).fill(n % 256)

describe('LevelBuffer', () => {
  let buffer: LevelBuffer | undefined
  const dir = bufferTestDir(() => buffer)

  const open = async (maxBytes = 64 * 1024 * 1024, policy: 'drop_oldest' | 'block' = 'drop_oldest') => {
    buffer = new LevelBuffer(dir.dir, { maxBytes, policy })
    await buffer.open()
    return buffer
  }

  it('assigns increasing seqs and reads oldest first', async () => {
    const b = await open()
    expect(await b.append(body(1))).toBe(1)
    expect(await b.append(body(2))).toBe(2)
    expect(await b.append(body(3))).toBe(3)
    expect((await b.read(0, 10)).map((x) => x.seq)).toEqual([1, 2, 3])
    expect((await b.read(1, 1)).map((x) => x.seq)).toEqual([2])
    expect([...(await b.read(0, 1))[0].body]).toEqual([...body(1)])
    expect(b.stats()).toMatchObject({ pending: 3, bytes: 300, oldestSeq: 1, nextSeq: 4 })
  })

  it('keeps batches until acked, and only for its own epoch', async () => {
    const b = await open()
    for (let i = 1; i <= 5; i++) await b.append(body(i))
    expect(await b.ack('some-other-epoch', 5)).toBe(0)
    expect(await b.ack(b.epoch, 3)).toBe(3)
    expect((await b.read(0, 10)).map((x) => x.seq)).toEqual([4, 5])
    expect(b.lowestSeq()).toBe(4)
    expect(b.stats()).toMatchObject({ pending: 2, bytes: 200 })
    await b.ack(b.epoch, 5)
    expect(b.lowestSeq()).toBe(6)
  })

  it('never reuses a seq across restarts and keeps the epoch and the backlog', async () => {
    let b = await open()
    await b.append(body(1))
    await b.append(body(2))
    await b.ack(b.epoch, 2)
    await b.append(body(3))
    const epoch = b.epoch
    await b.close()
    b = await open()
    expect(b.epoch).toBe(epoch)
    expect((await b.read(0, 10)).map((x) => x.seq)).toEqual([3])
    expect(await b.append(body(4))).toBe(4)
    expect(b.stats()).toMatchObject({ pending: 2, bytes: 200 })
  })

  it('a new buffer directory starts a new epoch', async () => {
    const a = await open()
    const first = a.epoch
    await a.close()
    const other = await tempDir()
    const b = new LevelBuffer(other.dir, { maxBytes: 1000, policy: 'block' })
    await b.open()
    expect(b.epoch).not.toBe(first)
    expect(b.epoch).toMatch(/^[0-9a-f]{16}$/)
    await b.close()
    await other.cleanup()
    buffer = undefined
  })

  it('ackSeqs and ackRanges forget exactly the seqs named, and keep lowestSeq right', async () => {
    const b = await open()
    for (let i = 1; i <= 10; i++) await b.append(body(i))
    expect(await b.ackSeqs('some-other-epoch', [1, 2])).toBe(0)
    expect(await b.ackSeqs(b.epoch, [4, 6, 6, 42])).toBe(2)
    expect(await b.ackRanges(b.epoch, [[8, 9], [1, 2]])).toBe(4)
    expect((await b.read(0, 20)).map((x) => x.seq)).toEqual([3, 5, 7, 10])
    expect(b.lowestSeq()).toBe(3)
    expect(b.stats()).toMatchObject({ pending: 4, bytes: 400, oldestSeq: 3 })
    await b.ackSeqs(b.epoch, [3])
    expect(b.lowestSeq()).toBe(5)
  })

  it('read with beforeSeq stops below it, so the backlog can be read apart from live data', async () => {
    const b = await open()
    for (let i = 1; i <= 6; i++) await b.append(body(i))
    expect((await b.read(0, 10, 4)).map((x) => x.seq)).toEqual([1, 2, 3])
    expect((await b.read(2, 10, 4)).map((x) => x.seq)).toEqual([3])
    expect((await b.read(3, 10, 4)).map((x) => x.seq)).toEqual([])
    expect((await b.read(3, 10)).map((x) => x.seq)).toEqual([4, 5, 6])
  })

  it('appendMany is one write: all its seqs, or none when it does not fit', async () => {
    const b = await open(2 * 1024 * 1024, 'block')
    expect(await b.appendMany([body(1), body(2), body(3)])).toEqual([1, 2, 3])
    await expect(b.appendMany([body(4), new Uint8Array(3 * 1024 * 1024)])).rejects.toBeInstanceOf(BufferFullError)
    expect(await b.append(body(5))).toBe(4)
    expect((await b.read(0, 10)).map((x) => x.seq)).toEqual([1, 2, 3, 4])
  })

  it('stats report disk use next to the body bytes', async () => {
    const b = await open()
    for (let i = 1; i <= 20; i++) await b.append(body(i, 10_000))
    const stats = b.stats()
    expect(stats).toMatchObject({ bytes: 200_000, pending: 20, quarantined: 0, recoveries: { repaired: 0, reset: 0 } })
    expect(stats.diskBytes).toBeGreaterThan(0)
  })

  it('serialises concurrent appends without losing or reusing a seq', async () => {
    const b = await open()
    const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => b.append(body(i))))
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
    expect(b.stats().pending).toBe(50)
  })
})
