import { describe, expect, it } from 'vitest'
import type { LevelBuffer } from '../../../agent/buffer/level-buffer.js'
import { RecentRecords } from '../../../agent/buffer/recent.js'
import { bodyFor, bufferTestDir, openBuffer, readAll, sameBytes } from './fixtures.js'

// The buffer serves sends and acks of its newest records from memory (agent/buffer/recent.ts); what it reads,
// deletes and counts must be exactly what the database says, which a reopen (counters from disk) confirms.
describe('LevelBuffer with recent records', () => {
  let buffer: LevelBuffer | undefined
  const dir = bufferTestDir(() => buffer)

  const reopen = async () => {
    await buffer!.close()
    buffer = await openBuffer(dir.dir)
    return buffer
  }

  it('reads, acks and selective acks of recent batches agree with the database', async () => {
    let b = (buffer = await openBuffer(dir.dir))
    for (let seq = 1; seq <= 10; seq++) await b.append(bodyFor(seq, 100 + seq))
    const sent = await b.read(0, 4)
    expect(sent.map((x) => x.seq)).toEqual([1, 2, 3, 4])
    expect(sent.every((x) => sameBytes(x.body, bodyFor(x.seq, 100 + x.seq)))).toBe(true)

    expect(await b.ack(b.epoch, 3)).toBe(3)
    expect(b.stats()).toMatchObject({ pending: 7, oldestSeq: 4 })
    expect(await b.ackRanges(b.epoch, [[6, 7]])).toBe(2)
    // 6 and 7 are gone: the next after 5 is 8, and a cumulative ack over the gap deletes what is left of it
    expect((await b.read(5, 1))[0].seq).toBe(8)
    expect(await b.ack(b.epoch, 8)).toBe(3) // 4, 5, 8
    const held = { pending: 2, oldestSeq: 9, bytes: 109 + 110 }
    expect(b.stats()).toMatchObject(held)

    b = await reopen()
    expect(b.stats()).toMatchObject(held)
    expect((await readAll(b)).map((x) => x.seq)).toEqual([9, 10])
    expect(await b.ack(b.epoch, 10)).toBe(2)
    expect(b.stats()).toMatchObject({ pending: 0, bytes: 0 })
  })

  it('a backlog larger than what it remembers is read and acked from the database', async () => {
    let b = (buffer = await openBuffer(dir.dir))
    await b.appendMany(Array.from({ length: 300 }, (_, k) => bodyFor(k + 1, 50)))
    const all = await readAll(b)
    expect(all.map((x) => x.seq)).toEqual(Array.from({ length: 300 }, (_, k) => k + 1))
    expect(all.every((x) => sameBytes(x.body, bodyFor(x.seq, 50)))).toBe(true)
    expect(await b.ack(b.epoch, 250)).toBe(250)
    expect(b.stats()).toMatchObject({ pending: 50, oldestSeq: 251, bytes: 2_500 })
    b = await reopen()
    expect(b.stats()).toMatchObject({ pending: 50, oldestSeq: 251, bytes: 2_500 })
  })
})

describe('RecentRecords', () => {
  it('stays bounded in entries and bytes, and knows a range only when it knows every seq in it', () => {
    const recent = new RecentRecords()
    for (let seq = 1; seq <= 200; seq++) recent.remember(seq, new Uint8Array(10))
    expect(recent.sizesOf(1, 1)).toBeUndefined()
    expect(recent.sizesOf(137, 200)).toEqual(Array(64).fill(10))
    expect(recent.sizesOf(136, 200)).toBeUndefined()
    recent.forget(150)
    expect(recent.sizesOf(149, 151)).toBeUndefined()
    expect(recent.bodiesAfter(147, 10, Infinity).map((x) => x.seq)).toEqual([148, 149])
    for (let seq = 201; seq <= 220; seq++) recent.remember(seq, new Uint8Array(512 * 1024))
    // 4 MiB of bodies at most: the eight newest
    expect(recent.bodiesAfter(212, 100, Infinity).map((x) => x.seq)).toEqual([213, 214, 215, 216, 217, 218, 219, 220])
    expect(recent.bodiesAfter(211, 100, Infinity)).toEqual([])
    expect(recent.sizesOf(201, 220)).toHaveLength(20)
  })
})
