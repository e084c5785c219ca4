import { describe, expect, it } from 'vitest'
import { addSeq, handoverKey, hasSeq } from '../../../hub/alerts/handover.js'

describe('hand-over seq ranges', () => {
  it('adds seqs in any order, merging neighbours, and knows each', () => {
    let r = addSeq([], 5)
    for (const seq of [7, 6, 1, 3, 2, 10]) r = addSeq(r, seq)
    expect(r).toEqual([[1, 3], [5, 7], [10, 10]])
    expect(addSeq(r, 6)).toBe(r)
    expect(addSeq(r, 4)).toEqual([[1, 7], [10, 10]])
    expect([0, 1, 4, 7, 8, 10, 11].map((s) => hasSeq(r, s))).toEqual([false, true, false, true, false, true, false])
  })

  it('keys sort by device, epoch, then seq as a number', () => {
    const keys = [handoverKey('d', 'e', 10), handoverKey('d', 'e', 9), handoverKey('c', 'e', 11)].sort()
    expect(keys).toEqual([handoverKey('c', 'e', 11), handoverKey('d', 'e', 9), handoverKey('d', 'e', 10)])
  })
})
