// A Bloom filter over a block's words (docs/logs.md, "Blocks"): kept in memory for every block, so a search skips
// the blocks that cannot hold a word without reading them. About 10 bits a distinct word: 1 % false positives.

const BITS_PER_TERM = 10
const HASHES = 7

function fnv1a(text: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export const bloomHash1 = (term: string) => fnv1a(term, 0)
export const bloomHash2 = (term: string) => fnv1a(term, 0x5bd1e995) | 1

export class Bloom {
  private constructor(readonly bits: Uint8Array) {}

  static forTerms(terms: Iterable<string>, count: number): Bloom {
    const bloom = new Bloom(new Uint8Array(Math.max(8, Math.ceil((count * BITS_PER_TERM) / 8))))
    for (const term of terms) bloom.add(term)
    return bloom
  }

  static fromBytes(bits: Uint8Array): Bloom {
    return new Bloom(bits)
  }

  add(term: string): void {
    this.addHashes(fnv1a(term, 0), bloomHash2(term))
  }

  /** Adds a term by its two hashes (bloomHash1, bloomHash2), computed beforehand. */
  addHashes(h1: number, h2: number): void {
    const m = this.bits.length * 8
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) >>> 0
      const at = bit % m
      this.bits[at >> 3] |= 1 << (at & 7)
    }
  }

  mayHold(term: string): boolean {
    return this.mayHoldHashes(bloomHash1(term), bloomHash2(term))
  }

  /** mayHold by the term's two hashes (bloomHash1, bloomHash2), computed once for many filters. */
  mayHoldHashes(h1: number, h2: number): boolean {
    const m = this.bits.length * 8
    for (let i = 0; i < HASHES; i++) {
      const at = ((h1 + Math.imul(i, h2)) >>> 0) % m
      if ((this.bits[at >> 3] & (1 << (at & 7))) === 0) return false
    }
    return true
  }
}
