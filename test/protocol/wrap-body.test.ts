import { Encoder } from 'cbor-x'
import { describe, expect, it } from 'vitest'
import { PROTOCOL_VERSION, type Batch } from '../../protocol/batch.js'
import { decodeBatch, encodeBody, encodeValidatedBatch, wrapBody } from '../../protocol/codec.js'

const T0 = 1_700_000_000_000
const env = { v: PROTOCOL_VERSION, dev: 'pump-7', ep: 'ep_4f2a', seq: 12, at: T0 + 5_000, lo: 9 }

describe('wrapBody: a buffered body and its envelope as one payload, without re-encoding the body', () => {
  it('gives the same bytes as encoding the whole batch, for each kind of body and with hist', () => {
    const bodies: Array<Partial<Batch>> = [
      { m: { s: [['a_total', 'counter', { core: '0' }, 'bytes']], i: [0, 0], t: [T0, 10_000], v: [1, 2.5] } },
      { l: [{ ts: T0, level: 'info', message: 'hi' }] },
      { h: [{ check: 'c', kind: 'tcp', status: 'healthy', ts: T0 }] },
    ]
    for (const body of bodies) {
      for (const envelope of [env, { ...env, hist: true }]) {
        const wrapped = wrapBody(encodeBody(body), envelope)
        expect(Buffer.from(wrapped)).toEqual(Buffer.from(encodeValidatedBatch({ ...body, ...envelope } as Batch)))
        expect(decodeBatch(wrapped).seq).toBe(12)
      }
    }
  })

  it('handles bodies an older agent buffered with a 2-byte map header, and many entries', () => {
    const old = new Encoder({ useRecords: false }) // the default cbor-x encoder: map16 headers
    const body = { m: { s: [['x', 'gauge', {}]], i: [0], t: [T0], v: [7] } }
    const decoded = decodeBatch(wrapBody(old.encode(body), env))
    expect([decoded.dev, decoded.seq, decoded.lo, Array.from(decoded.m!.values)]).toEqual(['pump-7', 12, 9, [7]])
  })

  it('falls back to decoding a body that is not a map, which the hub then refuses', () => {
    expect(() => decodeBatch(wrapBody(new Encoder().encode([1, 2]), env))).toThrow()
  })
})
