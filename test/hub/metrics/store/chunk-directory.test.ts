import { describe, expect, it } from 'vitest'
import { ChunkDirectory } from '../../../../hub/metrics/store/chunk-directory.js'

const H2 = 7_200_000

describe('ChunkDirectory', () => {
  it('lists each series\' chunk rows in key order, uncommitted until committed, and forgets them on request', () => {
    const dir = new ChunkDirectory()
    // Out of order, a second seq in one window, a window before 1970, many rows (the arrays grow).
    for (let w = 20; w >= 0; w--) dir.add(1, w * H2, 100 + w, w % 2 ? [3_600_000] : [])
    dir.add(1, 5 * H2, 500, [60_000, 3_600_000])
    dir.add(1, -H2, 7, [])
    dir.add(2, 0, 1, [])
    expect(dir.size).toBe(24)
    const refs = dir.overlapping(1, 4 * H2, 7 * H2)
    expect(refs.map((r) => [r.windowStart / H2, r.seq, r.rollups])).toEqual([
      [4, 104, []],
      [5, 105, [3_600_000]],
      [5, 500, [60_000, 3_600_000]],
      [6, 106, []],
    ])
    expect(refs.every((r) => !r.committed)).toBe(true)
    dir.commit(1, 5 * H2, 500)
    expect(dir.overlapping(1, 5 * H2, 6 * H2).map((r) => r.committed)).toEqual([false, true])
    expect(dir.key(1, refs[2])).toBe(`00000001\x00${(2n ** 63n + BigInt(5 * H2)).toString(16)}\x00000000000500`)

    dir.remove(1, 5 * H2, 105) // a failed write
    dir.dropBefore(1, 3 * H2) // retention: windows -1, 0, 1, 2
    expect(dir.overlapping(1, -Infinity, Infinity).map((r) => r.windowStart / H2)).toEqual([3, 4, 5, ...Array.from({ length: 15 }, (_, k) => 6 + k)])
    expect(dir.size).toBe(24 - 1 - 4)
    expect(dir.overlapping(2, 0, 1).map((r) => r.seq)).toEqual([1])
    expect(dir.overlapping(3, 0, H2)).toEqual([])
  })
})
