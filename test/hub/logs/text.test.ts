import { describe, expect, it } from 'vitest'
import { fingerprintOf, normalizeMessage, tokenize } from '../../../hub/logs/index.js'

describe('tokenize', () => {
  it('lowercases, splits on non-letters, drops short and stop words, keeps order and distinctness', () => {
    expect(tokenize('The Upload of file_42 FAILED: upload error; x=1 Größe')).toEqual(['upload', 'file', '42', 'failed', 'error', 'größe'])
  })
  it('caps long words and the number of terms', () => {
    expect(tokenize('a'.repeat(100))).toEqual(['a'.repeat(40)])
    expect(tokenize(Array.from({ length: 300 }, (_, i) => `w${i}`).join(' '))).toHaveLength(200)
  })
})

describe('error fingerprints', () => {
  it('replace numbers, hex ids, uuids and quoted strings with placeholders', () => {
    expect(normalizeMessage('user "bob" 550e8400-e29b-41d4-a716-446655440000 got 404 from 0xdeadbeef id 9f8e7d6c5b in 1.5s'))
      .toBe('user <str> <uuid> got <num> from <hex> id <hex> in <num>s')
    expect(normalizeMessage("can't open 'a.txt'  facade")).toBe("can't open <str> facade")
  })
  it('group messages that differ only in variable parts, per component', () => {
    const a = fingerprintOf('db', 'query 17 took 3000 ms')
    expect(fingerprintOf('db', 'query 18 took 12 ms')).toEqual(a)
    expect(fingerprintOf('net', 'query 17 took 3000 ms').id).not.toBe(a.id)
    expect(fingerprintOf('db', 'insert 17 took 3000 ms').id).not.toBe(a.id)
  })
})
