import { Encoder } from 'cbor-x'
import { describe, expect, it } from 'vitest'
import { DEFAULT_LIMITS, scanCbor, type DecodeLimits } from '../../protocol/cbor-limits.js'
import { DecodeError } from '../../protocol/errors.js'

const plain = new Encoder({ useRecords: false, variableMapSize: true })
const bytes = (...b: number[]) => Uint8Array.from(b)

function scanError(input: Uint8Array, limits: DecodeLimits = DEFAULT_LIMITS): DecodeError {
  try {
    scanCbor(input, limits)
  } catch (err) {
    expect(err).toBeInstanceOf(DecodeError)
    return err as DecodeError
  }
  throw new Error('scanCbor accepted the input')
}

describe('scanCbor', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({ maxBytes: 1_048_576, maxDepth: 16, maxItems: 2_000_000 })
    expect(Object.isFrozen(DEFAULT_LIMITS)).toBe(true)
  })

  it('accepts what the encoder writes: ints, floats, strings, maps, arrays, simple values', () => {
    const value = {
      small: [0, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 40, -1, -25, -(2 ** 31), -(2 ** 40)],
      floats: [0.5, 1.1, NaN, Infinity, -Infinity, 1e300],
      text: ['', 'é', 'x'.repeat(300), 'y'.repeat(70_000)],
      bytes: Buffer.from([1, 2, 3]),
      simple: [true, false, null, undefined],
      nested: { a: { b: { c: [[[]]] } }, empty: {} },
    }
    expect(() => scanCbor(plain.encode(value), DEFAULT_LIMITS)).not.toThrow()
    expect(() => scanCbor(bytes(0xf9, 0x3c, 0x00), DEFAULT_LIMITS)).not.toThrow() // float16 1.0
  })

  it('refuses payloads over maxBytes before reading them', () => {
    const err = scanError(new Uint8Array(101), { ...DEFAULT_LIMITS, maxBytes: 100 })
    expect(err.code).toBe('too_large')
    expect(err.message).toBe('payload is 101 bytes, limit is 100')
  })

  it('refuses an array header claiming 2^32 items at once', () => {
    const err = scanError(bytes(0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0))
    expect(err.code).toBe('malformed')
    expect(err.message).toBe('array at byte 0 declares 4294967296 items but only 3 bytes remain')
  })

  it('refuses map, string and byte string lengths beyond the payload', () => {
    expect(scanError(bytes(0xa2, 0x61, 0x61, 0x01)).message).toMatch(/map at byte 0 declares 2 entries \(4 items\) but only 3/)
    expect(scanError(bytes(0x7a, 0xff, 0xff, 0xff, 0xff, 0x61)).message).toMatch(/text string at byte 0 declares 4294967295 bytes/)
    expect(scanError(bytes(0x43, 1, 2)).message).toMatch(/byte string at byte 0 declares 3 bytes but only 2 remain/)
  })

  it('refuses nesting deeper than maxDepth, naming the byte', () => {
    const deep = new Uint8Array(10_001).fill(0x81)
    deep[10_000] = 0x00
    const started = performance.now()
    const err = scanError(deep)
    expect(performance.now() - started).toBeLessThan(250)
    expect(err.code).toBe('too_deep')
    expect(err.message).toBe('array at byte 16 nests deeper than 16')
    // exactly at the limit passes
    const ok = new Uint8Array(17).fill(0x81)
    ok[16] = 0x00
    expect(() => scanCbor(ok, DEFAULT_LIMITS)).not.toThrow()
    expect(scanError(ok, { ...DEFAULT_LIMITS, maxDepth: 15 }).code).toBe('too_deep')
  })

  it('counts every data item, map keys included', () => {
    const input = plain.encode({ a: [1, 2, 3], b: 4 }) // map, a, array, 1, 2, 3, b, 4 = 8 items
    expect(() => scanCbor(input, { ...DEFAULT_LIMITS, maxItems: 8 })).not.toThrow()
    const err = scanError(input, { ...DEFAULT_LIMITS, maxItems: 7 })
    expect(err.code).toBe('too_many_items')
  })

  it('refuses a container that alone would exceed maxItems, before reading its items', () => {
    const err = scanError(plain.encode(new Array(100).fill(0)), { ...DEFAULT_LIMITS, maxItems: 50 })
    expect(err.code).toBe('too_many_items')
    expect(err.message).toBe('array at byte 0 declares 100 items; limit is 50 in all')
  })

  it('refuses truncated input', () => {
    const full = plain.encode({ name: 'series', values: [1.5, 2.5] })
    for (let cut = 0; cut < full.length; cut++) {
      const err = scanError(full.subarray(0, cut))
      expect(err.code).toBe('malformed')
    }
    expect(scanError(bytes(0x19, 0x01)).message).toMatch(/truncated: unsigned integer header at byte 0 needs 2 more bytes/)
    expect(scanError(bytes(0x82, 0x01)).message).toMatch(/declares 2 items but only 1 bytes remain/)
  })

  it('refuses trailing bytes after the top-level item', () => {
    const err = scanError(bytes(0x01, 0x02, 0x03))
    expect(err.code).toBe('malformed')
    expect(err.message).toBe('2 trailing bytes after the top-level item, from byte 1')
  })

  it('refuses indefinite lengths, tags, reserved and unassigned simple values', () => {
    const cases: [Uint8Array, RegExp][] = [
      [bytes(0x9f, 0x01, 0xff), /indefinite-length or break byte 0x9f at byte 0/],
      [bytes(0xbf, 0xff), /indefinite-length/],
      [bytes(0x5f, 0x41, 0x00, 0xff), /indefinite-length/],
      [bytes(0xff), /break byte 0xff at byte 0/],
      [bytes(0xc1, 0x01), /tag 1 at byte 0 is not allowed/],
      [bytes(0x81, 0xd9, 0xd9, 0xf7, 0x00), /tag 55799 at byte 1/],
      [bytes(0x1c), /reserved additional information 28/],
      [bytes(0xe0), /unassigned simple value 0/],
      [bytes(0xf8, 0x20), /simple value 32 at byte 0 is not allowed/],
      [new Uint8Array(0), /empty payload/],
    ]
    for (const [input, message] of cases) {
      const err = scanError(input)
      expect(err.code).toBe('malformed')
      expect(err.message).toMatch(message)
    }
  })

  it('refuses map keys that are not text strings', () => {
    const err = scanError(bytes(0xa1, 0x01, 0x02))
    expect(err.code).toBe('malformed')
    expect(err.message).toBe('map key at byte 1 must be a text string, found unsigned integer')
    expect(scanError(bytes(0xa1, 0x61, 0x61, 0xa1, 0x80, 0x00)).message).toMatch(/map key at byte 4 must be a text string, found array/)
  })

  it('walks arrays of numbers mixed with other items (the fast path) exactly like the general one', () => {
    const mixed = [1, 'a', 2.5, [3, [4]], { k: 4, l: [5, 6] }, true, null, undefined, -1, 2 ** 40, -(2 ** 40), 1e300]
    expect(() => scanCbor(plain.encode({ mixed, after: 'x' }), DEFAULT_LIMITS)).not.toThrow()
    expect(() => scanCbor(bytes(0x83, 0x01, 0xf9, 0x3c, 0x00, 0xf4), DEFAULT_LIMITS)).not.toThrow()
    expect(scanError(bytes(0x83, 0x01, 0x02, 0xfb, 0x00)).message).toBe('truncated: simple header at byte 3 needs 8 more bytes')
    expect(scanError(bytes(0x82, 0x19, 0x00, 0x01)).message).toBe('truncated: expected a data item at byte 4, payload ends at 4')
    // after an array of numbers closes, the enclosing map expects a text key again
    expect(scanError(bytes(0xa2, 0x61, 0x61, 0x82, 0x01, 0x02, 0x03, 0x04)).message).toBe(
      'map key at byte 6 must be a text string, found unsigned integer',
    )
    expect(scanError(bytes(0x82, 0x01, 0x02, 0x03)).message).toBe('1 trailing bytes after the top-level item, from byte 3')
  })

  // Its speed is measured in the bench (codec_scan_samples_per_s beside decode), not asserted here.
  it('accepts a large batch-shaped payload and still counts its items', () => {
    const columns = { i: new Array(300_000).fill(7), v: new Array(300_000).fill(1.25) }
    const input = plain.encode(columns)
    expect(() => scanCbor(input, { ...DEFAULT_LIMITS, maxBytes: input.length, maxItems: 600_005 })).not.toThrow()
    expect(scanError(input, { ...DEFAULT_LIMITS, maxBytes: input.length, maxItems: 600_004 }).message).toMatch(/item/)
  })
})
