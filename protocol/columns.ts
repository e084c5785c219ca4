// The hub's hot path (DESIGN §4): a batch's sample columns `m.i`, `m.t`, `m.v` are most of its bytes. Decoding
// them with cbor-x makes a JS array of boxed numbers per column, which validation then copies into typed arrays;
// here they are read straight into Float64Arrays, and cbor-x decodes the rest (envelope, series table) from a copy
// of the payload with those three arrays left empty. The CBOR is the same: any encoder's batch decodes either way.

/** The sample columns of a payload, as numbers, in wire order (`t` still delta-encoded). */
export interface RawColumns {
  /** Series indexes: unsigned 32-bit integers on the wire, else the payload takes the generic path. */
  i: Uint32Array
  t: Float64Array
  v: Float64Array
}

export interface SplitPayload {
  /** The payload with `m.i`, `m.t`, `m.v` replaced by empty arrays. */
  rest: Uint8Array
  columns: RawColumns
}

const EMPTY_ARRAY = 0x80

/**
 * Splits a payload that `scanCbor` accepted (definite lengths, no tags, text keys) into its sample columns and
 * the rest. Undefined when the payload is not of the usual shape (no `m` map with the three arrays, a repeated
 * key, or a column item that is not a plain number): the caller then decodes it whole, and validation words any
 * error exactly as before.
 */
export function splitColumns(bytes: Uint8Array): SplitPayload | undefined {
  const r = new Reader(bytes)
  const top = r.mapHeader()
  if (top === undefined) return undefined
  let found: { spans: Array<[number, number]>; columns: RawColumns } | undefined
  const seenTop = new Set<string>()
  for (let e = 0; e < top; e++) {
    const key = r.textKey()
    if (key === undefined || seenTop.has(key)) return undefined
    seenTop.add(key)
    if (key !== 'm') {
      r.skip()
      continue
    }
    found = r.metricsColumns()
    if (!found) return undefined
  }
  if (!found) return undefined
  return { rest: withoutSpans(bytes, found.spans), columns: found.columns }
}

/** A copy of `bytes` with each [start, end) span replaced by an empty array. */
function withoutSpans(bytes: Uint8Array, spans: Array<[number, number]>): Uint8Array {
  const sorted = [...spans].sort((a, b) => a[0] - b[0])
  const size = bytes.length - sorted.reduce((n, [s, e]) => n + (e - s - 1), 0)
  const out = new Uint8Array(size)
  let from = 0
  let at = 0
  for (const [start, end] of sorted) {
    out.set(bytes.subarray(from, start), at)
    at += start - from
    out[at++] = EMPTY_ARRAY
    from = end
  }
  out.set(bytes.subarray(from), at)
  return out
}

/** Walks a well-formed payload (checked by scanCbor first), header by header. */
class Reader {
  pos = 0
  private readonly view: DataView

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  /** The argument of the header at pos (a length or an integer), moving past the header; undefined for 64-bit. */
  private argument(): number | undefined {
    const info = this.bytes[this.pos] & 0x1f
    const at = this.pos + 1
    if (info < 24) {
      this.pos = at
      return info
    }
    if (info === 24) return (this.pos = at + 1), this.bytes[at]
    if (info === 25) return (this.pos = at + 2), this.view.getUint16(at)
    if (info === 26) return (this.pos = at + 4), this.view.getUint32(at)
    return undefined
  }

  mapHeader(): number | undefined {
    return this.bytes[this.pos] >> 5 === 5 ? this.argument() : undefined
  }

  textKey(): string | undefined {
    if (this.bytes[this.pos] >> 5 !== 3) return undefined
    const length = this.argument()
    if (length === undefined) return undefined
    const start = this.pos
    this.pos += length
    // Column keys are one ASCII letter: longer keys need not be read exactly, only told apart from those.
    return length === 1 ? String.fromCharCode(this.bytes[start]) : `long:${length}:${this.bytes[start]}`
  }

  /** Moves past one data item. */
  skip(): void {
    let pending = 1
    while (pending > 0) {
      pending--
      const major = this.bytes[this.pos] >> 5
      const info = this.bytes[this.pos] & 0x1f
      if (major === 7) {
        this.pos += info < 24 ? 1 : info === 24 ? 2 : info === 25 ? 3 : info === 26 ? 5 : 9
        continue
      }
      const arg = info === 27 ? this.long() : this.argument()!
      if (major === 2 || major === 3) this.pos += arg
      else if (major === 4) pending += arg
      else if (major === 5) pending += 2 * arg
    }
  }

  private long(): number {
    const value = this.view.getUint32(this.pos + 1) * 0x1_0000_0000 + this.view.getUint32(this.pos + 5)
    this.pos += 9
    return value
  }

  /** Inside `m`: the i, t, v arrays read as numbers and where they lie, or undefined when m is not a map holding
   *  each once as an array of plain numbers. */
  metricsColumns(): { spans: Array<[number, number]>; columns: RawColumns } | undefined {
    const entries = this.mapHeader()
    if (entries === undefined) return undefined
    const columns: Partial<RawColumns> = {}
    const spans: Array<[number, number]> = []
    const seen = new Set<string>()
    for (let e = 0; e < entries; e++) {
      const key = this.textKey()
      if (key === undefined || seen.has(key)) return undefined
      seen.add(key)
      const start = this.pos
      if (key !== 'i' && key !== 't' && key !== 'v') {
        this.skip()
        continue
      }
      if (this.bytes[start] >> 5 !== 4) return undefined
      if (key === 'i') {
        const indexes = this.indexes()
        if (!indexes) return undefined
        columns.i = indexes
      } else {
        const values = this.numbers()
        if (!values) return undefined
        columns[key] = values
      }
      spans.push([start, this.pos])
    }
    return columns.i && columns.t && columns.v ? { spans, columns: columns as RawColumns } : undefined
  }

  /** The array at pos as unsigned integers below 2^32, or undefined if an item is anything else. */
  indexes(): Uint32Array | undefined {
    const n = this.argument()
    if (n === undefined) return undefined
    const out = new Uint32Array(n)
    const bytes = this.bytes
    const view = this.view
    let p = this.pos
    for (let k = 0; k < n; k++) {
      const b = bytes[p]
      if (b < 24) (out[k] = b), (p += 1)
      else if (b === 24) (out[k] = bytes[p + 1]), (p += 2)
      else if (b === 25) (out[k] = view.getUint16(p + 1)), (p += 3)
      else if (b === 26) (out[k] = view.getUint32(p + 1)), (p += 5)
      else return undefined
    }
    this.pos = p
    return out
  }

  /**
   * The array at pos as numbers, decoded as cbor-x does (64-bit integers as numbers, int64AsNumber), or
   * undefined if an item is anything else (or a half float, left to cbor-x).
   */
  numbers(): Float64Array | undefined {
    const n = this.argument()
    if (n === undefined) return undefined
    const out = new Float64Array(n)
    const bytes = this.bytes
    const view = this.view
    let p = this.pos
    for (let k = 0; k < n; k++) {
      const b = bytes[p]
      const info = b & 0x1f
      const major = b >> 5
      let x: number
      if (major <= 1) {
        if (info < 24) (x = info), (p += 1)
        else if (info === 24) (x = bytes[p + 1]), (p += 2)
        else if (info === 25) (x = view.getUint16(p + 1)), (p += 3)
        else if (info === 26) (x = view.getUint32(p + 1)), (p += 5)
        else (x = view.getUint32(p + 1) * 0x1_0000_0000 + view.getUint32(p + 5)), (p += 9)
        if (major === 1) x = -1 - x
      } else if (b === 0xfb) (x = view.getFloat64(p + 1)), (p += 9)
      else if (b === 0xfa) (x = view.getFloat32(p + 1)), (p += 5)
      else return undefined
      out[k] = x
    }
    this.pos = p
    return out
  }
}
