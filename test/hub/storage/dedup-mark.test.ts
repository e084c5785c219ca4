import { describe, expect, it } from 'vitest'
import { decodeMark, emptyMark, encodeMark, isStored, markStored, type DedupMark } from '../../../hub/storage/dedup-mark.js'

function storeAll(seqs: number[], start: DedupMark = emptyMark()): DedupMark {
  return seqs.reduce((mark, seq) => markStored(mark, seq), start)
}

describe('dedup mark', () => {
  it('advances the watermark only through contiguous seqs', () => {
    expect(storeAll([1, 2])).toEqual({ w: 2, ranges: [] })
    expect(storeAll([1, 3, 5])).toEqual({ w: 1, ranges: [[3, 3], [5, 5]] })
    expect(storeAll([1, 3, 5, 2])).toEqual({ w: 3, ranges: [[5, 5]] })
    expect(storeAll([1, 3, 5, 2, 4])).toEqual({ w: 5, ranges: [] })
  })

  it('keeps a long out-of-order replay as a few ranges', () => {
    const seqs = Array.from({ length: 1000 }, (_, i) => 1000 - i).filter((seq) => seq !== 1 && seq !== 500)
    const mark = storeAll(seqs)
    expect(mark).toEqual({ w: 0, ranges: [[2, 499], [501, 1000]] })
    expect(storeAll([1, 500], mark)).toEqual({ w: 1000, ranges: [] })
  })

  it('merges a seq that joins two ranges', () => {
    expect(storeAll([3, 7, 5, 4, 6])).toEqual({ w: 0, ranges: [[3, 7]] })
    expect(storeAll([10, 8, 9])).toEqual({ w: 0, ranges: [[8, 10]] })
  })

  it('lets lo raise the watermark past gaps, then through stored seqs above it', () => {
    expect(markStored(storeAll([1]), 4, 3)).toEqual({ w: 2, ranges: [[4, 4]] })
    expect(markStored(storeAll([1, 6]), 4, 4)).toEqual({ w: 4, ranges: [[6, 6]] })
    expect(markStored(storeAll([1, 6, 8]), 4, 7)).toEqual({ w: 6, ranges: [[8, 8]] })
    // A stale lo never lowers the watermark.
    expect(markStored(storeAll([1, 2, 3]), 4, 1)).toEqual({ w: 4, ranges: [] })
  })

  it('knows what is stored', () => {
    const mark = storeAll([1, 2, 5, 6, 9])
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((seq) => isStored(mark, seq))).toEqual([true, true, false, false, true, true, false, false, true, false])
  })

  it('round-trips through its stored form', () => {
    const mark = storeAll([1, 3, 4, 9])
    expect(decodeMark(encodeMark(mark))).toEqual(mark)
    expect(decodeMark(encodeMark(emptyMark()))).toEqual(emptyMark())
  })
})
