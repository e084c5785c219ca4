// Reads the big-endian bit stream BitWriter writes, a 32-bit word at a time. Past the end it reads zeros
// and remembers it: the caller checks `overran` once after decoding instead of a bounds test per bit.

export class BitReader {
  private readonly bytes: Uint8Array
  /** Next byte of `bytes` to load. */
  private pos: number
  /** The word being read; its low `avail` bits are still unread. */
  private acc = 0
  private avail = 0
  private loadedPastEnd = 0

  constructor(bytes: Uint8Array, start: number) {
    this.bytes = bytes
    this.pos = start
  }

  /** True when more bits were read than the bytes hold (a truncated or corrupt stream). */
  get overran(): boolean {
    // Bytes loaded beyond the end, minus the unread bits of the last word, would have had to exist.
    return this.loadedPastEnd * 8 > this.avail
  }

  readBit(): number {
    if (this.avail === 0) this.load()
    return (this.acc >>> --this.avail) & 1
  }

  /** The next `count` bits (1 ≤ count ≤ 32) as an unsigned number. */
  readBits(count: number): number {
    if (count <= this.avail) {
      this.avail -= count
      return ((this.acc >>> this.avail) << (32 - count)) >>> (32 - count)
    }
    // Low `have` bits of this word, then the top `need` bits of the next one.
    const have = this.avail
    const need = count - have
    const head = have === 0 ? 0 : (this.acc << (32 - have)) >>> (32 - have)
    this.load()
    this.avail = 32 - need
    // need is 32 only when have is 0, and then `head << 32` (= head) is 0.
    return ((head << need) | (this.acc >>> this.avail)) >>> 0
  }

  /** The next `count` bits (1 ≤ count ≤ 32) as a signed two's-complement number. */
  readSigned(count: number): number {
    const shift = 32 - count
    return (this.readBits(count) << shift) >> shift
  }

  private load(): void {
    const bytes = this.bytes
    const pos = this.pos
    if (pos + 4 <= bytes.length) {
      this.acc = (bytes[pos] << 24) | (bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3]
    } else {
      let word = 0
      for (let k = 0; k < 4; k++) {
        word <<= 8
        if (pos + k < bytes.length) word |= bytes[pos + k]
        else this.loadedPastEnd++
      }
      this.acc = word
    }
    this.pos = pos + 4
    this.avail = 32
  }
}
