import { describe, expect, it } from 'vitest'
import { fingerprintOf, normalizeMessage, tokenize } from '../../../hub/logs/index.js'

describe('tokenize', () => {
  it('lowercases, splits on non-letters, drops short and stop words, keeps order and distinctness', () => {
    expect(tokenize('The Upload of file_42 FAILED: upload error; x=1 Größe')).toEqual(['upload', 'file', '42', 'failed', 'error', 'größe'])
  })
  it('finds the same words on the ASCII fast path as the Unicode regex (random texts, both paths)', () => {
    const reference = (text: string, max = 200) => {
      const terms = new Set<string>()
      for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
        const word = m[0]
        if (word.length < 2 || ['an', 'and', 'are', 'as', 'at', 'be', 'by', 'for', 'from', 'has', 'in', 'is', 'it', 'of', 'on', 'or', 'the', 'this', 'that', 'to', 'was', 'were', 'with'].includes(word)) continue
        terms.add(word.length > 40 ? word.slice(0, 40) : word)
        if (terms.size >= max) break
      }
      return [...terms]
    }
    const alphabet = ['a', 'B', 'z', 'Z', '0', '9', ' ', '_', '-', ':', '"', '\t', 'The', 'AND', 'é', 'K', 'ß', '٣', '\u212A']
    let seed = 7
    const rand = (n: number) => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31), seed % n)
    for (let t = 0; t < 2000; t++) {
      const ascii = t % 2 === 0
      const text = Array.from({ length: rand(120) }, () => alphabet[rand(ascii ? 13 : alphabet.length)]).join('')
      const max = 1 + rand(30)
      expect(tokenize(text, max), JSON.stringify(text)).toEqual(reference(text, max))
    }
    expect(tokenize('A'.repeat(50) + ' ' + 'a'.repeat(45))).toEqual(['a'.repeat(40)])
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
