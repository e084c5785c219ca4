import * as zlib from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { crc32, decodeRecord, encodeRecord, tableCrc32 } from '../../../agent/buffer/record.js'
import { bodyFor } from './fixtures.js'

describe('buffer records', () => {
  it('the table CRC-32 fallback agrees with the standard one', () => {
    expect(tableCrc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926) // the CRC-32/IEEE check value
    for (const size of [0, 1, 7, 4096]) expect(tableCrc32(bodyFor(size, size))).toBe(crc32(bodyFor(size, size)))
    const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32
    if (native) expect(crc32(bodyFor(3, 999))).toBe(native(bodyFor(3, 999)) >>> 0)
  })

  it('round-trips a body and refuses any flipped bit or a short record', () => {
    const body = bodyFor(1, 300)
    const record = encodeRecord(body)
    expect([...decodeRecord(record)!]).toEqual([...body])
    for (const at of [0, 3, 4, 150, 303]) {
      const damaged = record.slice()
      damaged[at] ^= 0x10
      expect(decodeRecord(damaged)).toBeUndefined()
    }
    expect(decodeRecord(new Uint8Array(3))).toBeUndefined()
    expect(decodeRecord(record.subarray(0, 200))).toBeUndefined()
  })
})
