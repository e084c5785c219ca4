// Keys on disk do not change with the one time-key codec (hub/storage/time-keys.ts): these are the keys main wrote
// before the codec existed, for times before 1970, at the epoch, today and at the ends of each range.
import { describe, expect, it } from 'vitest'
import { dayKey as healthDayKey, tsKey as healthTsKey } from '../../../hub/health/keys.js'
import { dayKey, parseDayKey, recordId, tsKey, tsOfRecordId } from '../../../hub/logs/keys.js'
import { chunkKey, parseChunkKey, windowKey } from '../../../hub/metrics/store/keys.js'
import { decimalKey, hexKey, MS_64, parseHexKey } from '../../../hub/storage/time-keys.js'
import { startKey } from '../../../hub/traces/keys.js'

const TS = [-86400000 * 400, -1, 0, 1, 1764600000000, 8.64e15]

describe('time keys', () => {
  it('log record and day keys are byte-identical to those already on disk', () => {
    expect(TS.map(tsKey)).toEqual(["7ffffff7f4104000", "7fffffffffffffff", "8000000000000000", "8000000000000001", "8000019ada5b2e00", "801eb208c2dc0000"])
    expect([-400, -1, 0, 20423].map(dayKey)).toEqual(["7ffffe70", "7fffffff", "80000000", "80004fc7"])
    expect([-400, -1, 0, 20423].map((d) => parseDayKey(dayKey(d)))).toEqual([-400, -1, 0, 20423])
    expect(TS.map((t) => tsOfRecordId(recordId(t, 'd', 'e', 1, 0)))).toEqual([-34560000000, -1, 0, 1, 1764600000000, 8640000000000000])
  })

  it('span start keys are byte-identical', () => {
    expect([-1.5, -1, 0, 1764600000000.7, 2 ** 60].map(startKey)).toEqual(["1ffffffffffffe", "1fffffffffffff", "20000000000000", "20019ada5b2e00", "3fffffffffffff"])
  })

  it('metric window and chunk keys are byte-identical and parse back', () => {
    expect([-7200000, 0, 1764597600000].map(windowKey)).toEqual(["7fffffffff922300", "8000000000000000", "8000019ada368f00"])
    expect([chunkKey(7, -7200000, 3), chunkKey(7, 1764597600000, 3)]).toEqual(["00000007\u00007fffffffff922300\u0000000000000003", "00000007\u00008000019ada368f00\u0000000000000003"])
    expect(parseChunkKey(chunkKey(7, -7200000, 3))).toEqual({ seriesId: 7, windowStart: -7200000, seq: 3 })
  })

  it('health keys are byte-identical', () => {
    expect([healthTsKey(1764600000000), healthDayKey(20423)]).toEqual(["001764600000000", "020423"])
  })

  it('hex keys sort as their values do, negative ones first', () => {
    const values = [-(2 ** 40), -2, -1, 0, 1, 2 ** 40]
    const keys = values.map((v) => hexKey(v, MS_64))
    expect([...keys].sort()).toEqual(keys)
    expect(keys.map((k) => parseHexKey(k, MS_64))).toEqual(values)
    expect(decimalKey(42, 6)).toBe('000042')
  })
})
