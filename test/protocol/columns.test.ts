import { Decoder, Encoder, type Options } from 'cbor-x'
import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, type Batch } from '../../protocol/batch.js'
import { decodeBatch, encodeBatch } from '../../protocol/codec.js'
import { splitColumns } from '../../protocol/columns.js'
import { DecodeError } from '../../protocol/errors.js'
import { validateBatch } from '../../protocol/validate.js'

const T0 = 1_700_000_000_000
const plain = new Encoder({ useRecords: false, variableMapSize: true })
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true, int64AsNumber: true } as Options)

/** The reference: cbor-x decodes everything, validation converts the columns (the path before splitColumns). */
function slowDecode(bytes: Uint8Array) {
  return validateBatch(decoder.decode(bytes))
}

function outcome(fn: () => unknown): unknown {
  try {
    return fn()
  } catch (err) {
    return err instanceof DecodeError ? `${err.code}: ${err.message}` : `other: ${(err as Error).message}`
  }
}

function batch(i: unknown[], t: unknown[], v: unknown[], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { m: { s: [['a', 'gauge', { k: 'x' }], ['b', 'counter', {}]], i, t, v }, v: PROTOCOL_VERSION, dev: 'd1', ep: 'e1', seq: 3, at: T0, ...extra }
}

describe('splitColumns: sample columns read apart from the rest of the payload', () => {
  it('decodes every number form as cbor-x does: small, 8/16/32/64-bit, negative, float32, float64, NaN, ±Inf, -0', () => {
    const v = [0, 23, 24, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, -1, -24, -25, -256, -257, -65_537, -(2 ** 32), -(2 ** 40), 0.1, -2.5e300, NaN, Infinity, -Infinity, -0, 5e-324]
    const n = v.length
    const payload = plain.encode(batch(v.map((_, k) => k % 2), [T0, ...Array(n - 1).fill(1)], v))
    expect(splitColumns(payload)).toBeDefined()
    const fast = decodeBatch(payload)
    expect(fast).toEqual(slowDecode(payload))
    // float32 and 64-bit integer encodings from another encoder
    const f32 = new Encoder({ useRecords: false, useFloat32: 1 } as Options).encode(batch([0, 1], [T0, 10], [0.5, 1.25]))
    expect(decodeBatch(f32)).toEqual(slowDecode(f32))
    // 64-bit integer heads (cbor-x writes such numbers as float64; other encoders do not): 0.1 → 2^32, then → -1-2^32
    const hex = Buffer.from(plain.encode(batch([0, 1], [T0, 1], [0.1, 0.1]))).toString('hex')
    const big = Buffer.from(hex.replace('fb3fb999999999999a', '1b0000000100000000').replace('fb3fb999999999999a', '3b0000000100000000'), 'hex')
    expect(Array.from(decodeBatch(big).m!.values)).toEqual([2 ** 32, -1 - 2 ** 32])
    expect(decodeBatch(big)).toEqual(slowDecode(big))
  })

  it('reads the columns of a real batch and leaves the rest for cbor-x', () => {
    const payload = encodeBatch({ v: PROTOCOL_VERSION, dev: 'd1', ep: 'e1', seq: 1, at: T0, m: { s: [['a', 'gauge', {}]], i: [0, 0, 0], t: [T0, 10, 10], v: [1, 2.5, -3] } } as Batch)
    const split = splitColumns(payload)!
    expect(Array.from(split.columns.i)).toEqual([0, 0, 0])
    expect(Array.from(split.columns.t)).toEqual([T0, 10, 10])
    expect(Array.from(split.columns.v)).toEqual([1, 2.5, -3])
    expect(decoder.decode(split.rest)).toMatchObject({ m: { i: [], t: [], v: [] }, dev: 'd1', seq: 1 })
  })

  it('leaves payloads of another shape to the whole-payload path, with the same result or the same error', () => {
    const cases: Record<string, unknown>[] = [
      batch([0, 'x'], [T0, 1], [1, 2]), // a string in a column
      batch([0, 1], [T0, 1], [1, true]), // a bool value
      batch([0, 2], [T0, 1], [1, 2]), // index out of range: same message either way
      batch([0, 1.5], [T0, 1], [1, 2]),
      batch([0, -1], [T0, 1], [1, 2]),
      batch([0, 1], [T0, 0.5], [1, 2]), // non-integer delta
      batch([0, 1], [T0, 2 ** 60], [1, 2]), // leaves the safe range
      batch([0, 1], [T0], [1, 2]), // columns of different lengths
      batch([0], [T0], [1], { l: [{ ts: T0, level: 'info', message: 'x' }] }),
      { ...batch([0], [T0], [1]), m: { s: [['a', 'gauge', {}]], i: 'x', t: [T0], v: [1] } },
      { ...batch([0], [T0], [1]), m: { s: [['a', 'gauge', {}]], i: [0], t: [T0] } },
      { ...batch([0], [T0], [1]), m: [1, 2] },
      { v: PROTOCOL_VERSION, dev: 'd1', ep: 'e1', seq: 3, at: T0 },
    ]
    for (const c of cases) {
      const payload = plain.encode(c)
      expect(outcome(() => decodeBatch(payload))).toEqual(outcome(() => slowDecode(payload)))
    }
  })

  it('takes a half float (cbor-x only) and a repeated key the whole-payload way', () => {
    const base = plain.encode(batch([0], [T0], [1.5]))
    // 1.5 as float64 (fb 3ff8000000000000) → as float16 (f9 3e00): same value
    const hex = Buffer.from(base).toString('hex').replace('fb3ff8000000000000', 'f93e00')
    const half = Buffer.from(hex, 'hex')
    expect(splitColumns(half)).toBeUndefined()
    expect(Array.from(decodeBatch(half).m!.values)).toEqual([1.5])
  })
})
