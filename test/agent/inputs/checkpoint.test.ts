import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { LevelBuffer } from '../../../agent/buffer/level-buffer.js'
import { BufferFullError } from '../../../agent/buffer/types.js'
import { tempDir } from '../../helpers/temp.js'

const body = (n: number, size = 100) => new Uint8Array(size).fill(n % 256)

describe('buffer checkpoints (input positions written with their data)', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let buffer: LevelBuffer | undefined
  beforeEach(async () => (dir = await tempDir()))
  afterEach(async () => {
    await buffer?.close().catch(() => {})
    await dir.cleanup()
  })
  const open = async (maxBytes = 64 * 1024 * 1024, policy: 'drop_oldest' | 'block' = 'drop_oldest') => {
    buffer = new LevelBuffer(dir.dir, { maxBytes, policy })
    await buffer.open()
    return buffer
  }

  it('a checkpoint written with batches survives a reopen, and the newest write wins', async () => {
    const b = await open()
    expect(await b.getCheckpoint('tail:/a.log')).toBeUndefined()
    expect(await b.appendMany([body(1), body(2)], { checkpoints: { 'tail:/a.log': '{"offset":10}' } })).toEqual([1, 2])
    expect(await b.appendMany([body(3)], { checkpoints: { 'tail:/a.log': '{"offset":20}', 'tail:/b.log': 'x' } })).toEqual([3])
    await b.close()
    const reopened = await open()
    expect(await reopened.getCheckpoint('tail:/a.log')).toBe('{"offset":20}')
    expect(await reopened.getCheckpoint('tail:/b.log')).toBe('x')
    expect(reopened.stats()).toMatchObject({ pending: 3, nextSeq: 4 })
  })

  it('a checkpoint alone moves the position without a batch or a seq', async () => {
    const b = await open()
    expect(await b.appendMany([], { checkpoints: { k: 'v' } })).toEqual([])
    expect(await b.getCheckpoint('k')).toBe('v')
    expect(b.stats()).toMatchObject({ pending: 0, nextSeq: 1 })
    expect(await b.append(body(1))).toBe(1)
  })

  it('refused data leaves the checkpoint where it was: all or nothing', async () => {
    const b = await open(4 * 1024 * 1024, 'block')
    await b.appendMany([body(1)], { checkpoints: { k: 'before' } })
    await expect(b.appendMany([body(2, 5 * 1024 * 1024)], { checkpoints: { k: 'after' } })).rejects.toBeInstanceOf(BufferFullError)
    expect(await b.getCheckpoint('k')).toBe('before')
    expect(b.stats()).toMatchObject({ pending: 1 })
  })

  it('acks and drops do not touch checkpoints', async () => {
    const b = await open()
    await b.appendMany([body(1), body(2)], { checkpoints: { k: 'kept' } })
    await b.ack(b.epoch, 2)
    expect(b.stats().pending).toBe(0)
    expect(await b.getCheckpoint('k')).toBe('kept')
  })
})
