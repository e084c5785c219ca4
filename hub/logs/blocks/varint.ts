// Posting lists: ascending row numbers as varint deltas (the first one from -1), so dense words cost a byte a row.

export function encodePostings(rows: readonly number[]): Uint8Array {
  const out = new Uint8Array(rows.length * 5)
  let pos = 0
  let prev = -1
  for (const row of rows) {
    let v = row - prev - 1
    prev = row
    while (v >= 0x80) {
      out[pos++] = (v & 0x7f) | 0x80
      v >>>= 7
    }
    out[pos++] = v
  }
  return out.slice(0, pos)
}

export function decodePostings(bytes: Uint8Array): number[] {
  const rows: number[] = []
  let prev = -1
  for (let pos = 0; pos < bytes.length; ) {
    let v = 0
    let shift = 0
    let b: number
    do {
      b = bytes[pos++]
      v += (b & 0x7f) * 2 ** shift
      shift += 7
    } while (b & 0x80)
    prev += v + 1
    rows.push(prev)
  }
  return rows
}

/** Rows in every list (each ascending). */
export function intersectRows(lists: number[][]): number[] {
  if (lists.length === 0) return []
  const sorted = [...lists].sort((a, b) => a.length - b.length)
  let out = sorted[0]
  for (const list of sorted.slice(1)) {
    const next: number[] = []
    let j = 0
    for (const row of out) {
      while (j < list.length && list[j] < row) j++
      if (j < list.length && list[j] === row) next.push(row)
    }
    out = next
  }
  return out
}
