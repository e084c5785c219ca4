// Unsigned LEB128 of non-negative integers up to 2^53, for chunk headers. Division instead of bit operators,
// which stop at 32 bits.

export function writeVarint(out: Uint8Array, pos: number, value: number): number {
  while (value >= 0x80) {
    out[pos++] = (value % 0x80) | 0x80
    value = Math.floor(value / 0x80)
  }
  out[pos++] = value
  return pos
}

export function readVarint(bytes: Uint8Array, pos: number): { value: number; pos: number } {
  let value = 0
  let scale = 1
  for (;;) {
    if (pos >= bytes.length) throw new Error('chunk is truncated')
    const byte = bytes[pos++]
    value += (byte & 0x7f) * scale
    if (byte < 0x80) return { value, pos }
    scale *= 0x80
    if (scale > 2 ** 56) throw new Error('chunk varint is too long')
  }
}

/** Zigzag: 0, -1, 1, -2 … → 0, 1, 2, 3 …; exact for |value| ≤ 2^52. */
export function zigzag(value: number): number {
  return value >= 0 ? value * 2 : -value * 2 - 1
}

export function unzigzag(z: number): number {
  return z % 2 === 0 ? z / 2 : -(z + 1) / 2
}
