// A big-endian bit stream written 32 bits at a time. Numbers are int32 bit patterns, never BigInt: the chunk
// encoder calls this a few times per sample and BigInt arithmetic would dominate its cost.

export class BitWriter {
  private readonly bytes: Uint8Array
  /** Next byte of `bytes` to fill. */
  private pos: number
  /** Pending bits, right-aligned; every bit above the lowest `pending` is zero. */
  private acc = 0
  private pending = 0

  /** Writes into `bytes` from `start`; the caller sizes `bytes` for the worst case (nothing is checked per bit). */
  constructor(bytes: Uint8Array, start: number) {
    this.bytes = bytes
    this.pos = start
  }

  writeBit(bit: number): void {
    this.acc = (this.acc << 1) | bit
    if (++this.pending === 32) this.flushWord(this.acc)
  }

  /** The low `count` bits of `value`, most significant first; 1 ≤ count ≤ 32. */
  writeBits(value: number, count: number): void {
    // Keep only the low `count` bits (a count of 32 keeps all of them: shifts are taken mod 32).
    const masked = count === 32 ? value : value & ((1 << count) - 1)
    const free = 32 - this.pending
    if (count < free) {
      this.acc = (this.acc << count) | masked
      this.pending += count
      return
    }
    // The word fills up: its last `free` bits are the top of `masked`, and the rest starts the next word.
    const rest = count - free
    // When free is 32, acc is 0 and `acc << 32` (= acc << 0) is still 0.
    this.flushWord((this.acc << free) | (masked >>> rest))
    this.acc = rest === 0 ? 0 : masked & ((1 << rest) - 1)
    this.pending = rest
  }

  /** The 64-bit pattern hi:lo shifted right by `shift`, as its low `count` bits (1 ≤ count ≤ 64). */
  writeBits64(hi: number, lo: number, shift: number, count: number): void {
    let outHi: number
    let outLo: number
    if (shift === 0) {
      outHi = hi
      outLo = lo
    } else if (shift < 32) {
      outHi = hi >>> shift
      outLo = (lo >>> shift) | (hi << (32 - shift))
    } else {
      outHi = 0
      outLo = hi >>> (shift - 32)
    }
    if (count > 32) {
      this.writeBits(outHi, count - 32)
      this.writeBits(outLo, 32)
    } else {
      this.writeBits(outLo, count)
    }
  }

  /** Writes the last partial word (only the bytes it needs) and returns the end offset in `bytes`. */
  finish(): number {
    let word = this.pending === 0 ? 0 : this.acc << (32 - this.pending)
    for (let bits = this.pending; bits > 0; bits -= 8) {
      this.bytes[this.pos++] = word >>> 24
      word <<= 8
    }
    this.acc = 0
    this.pending = 0
    return this.pos
  }

  private flushWord(word: number): void {
    const bytes = this.bytes
    const pos = this.pos
    bytes[pos] = word >>> 24
    bytes[pos + 1] = word >>> 16
    bytes[pos + 2] = word >>> 8
    bytes[pos + 3] = word
    this.pos = pos + 4
    this.acc = 0
    this.pending = 0
  }
}
