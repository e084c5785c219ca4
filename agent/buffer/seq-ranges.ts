/**
 * A set of seqs as sorted, disjoint, non-adjacent inclusive ranges: the seqs above the buffer's floor that are gone
 * by the buffer's own hand (acked by the hub, quarantined, or counted as lost). Few in practice (the live lane's acks
 * above the backlog), so a plain array.
 */
export class SeqRanges {
  private ranges: [number, number][] = []

  constructor(ranges: Iterable<[number, number]> = []) {
    for (const [from, to] of ranges) this.add(from, to)
  }

  get size(): number {
    return this.ranges.length
  }

  list(): readonly [number, number][] {
    return this.ranges
  }

  has(seq: number): boolean {
    for (const [from, to] of this.ranges) {
      if (seq < from) return false
      if (seq <= to) return true
    }
    return false
  }

  add(from: number, to: number): void {
    if (to < from) return
    const out: [number, number][] = []
    let lo = from
    let hi = to
    let placed = false
    for (const [a, b] of this.ranges) {
      if (b + 1 < lo) out.push([a, b])
      else if (hi + 1 < a) {
        if (!placed) out.push([lo, hi])
        placed = true
        out.push([a, b])
      } else {
        lo = Math.min(lo, a)
        hi = Math.max(hi, b)
      }
    }
    if (!placed) out.push([lo, hi])
    this.ranges = out
  }

  /** Takes [from, to] out of the set. */
  remove(from: number, to: number): void {
    const out: [number, number][] = []
    for (const [a, b] of this.ranges) {
      if (b < from || a > to) out.push([a, b])
      else {
        if (a < from) out.push([a, from - 1])
        if (b > to) out.push([to + 1, b])
      }
    }
    this.ranges = out
  }

  /** Forgets everything below `seq`. */
  dropBelow(seq: number): void {
    this.ranges = this.ranges.filter(([, b]) => b >= seq).map(([a, b]): [number, number] => [Math.max(a, seq), b])
  }

  /** How many seqs in [from, to) are in the set. */
  countIn(from: number, to: number): number {
    let n = 0
    for (const [a, b] of this.ranges) {
      const lo = Math.max(a, from)
      const hi = Math.min(b, to - 1)
      if (hi >= lo) n += hi - lo + 1
    }
    return n
  }

  /** The first seq at or above `seq` that is not in the set. */
  firstOutside(seq: number): number {
    for (const [a, b] of this.ranges) if (a <= seq && seq <= b) return b + 1
    return seq
  }

  /** Keeps the lowest `max` ranges; true when some had to go. */
  truncate(max: number): boolean {
    if (this.ranges.length <= max) return false
    this.ranges = this.ranges.slice(0, max)
    return true
  }
}
