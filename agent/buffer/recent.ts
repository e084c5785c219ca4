/** Entries kept: enough for the uplink's window, and far below a per-batch index (docs/delivery.md: memory flat). */
const MAX_ENTRIES = 64
/** Bodies kept, in bytes. */
const MAX_BODY_BYTES = 4 * 1024 * 1024

/**
 * The newest records the buffer wrote or read, so that sending a batch just appended, and deleting it on its ack,
 * need no LevelDB read: at speed each read is a seek through every table file. Bounded in entries and bytes, so
 * memory stays flat however large the backlog. Holds only records that exist in the database: the record store
 * forgets a seq whenever it deletes it, and a reopened store starts empty.
 */
export class RecentRecords {
  /** seq → body size in bytes (what the byte counter adds and subtracts). */
  private readonly sizes = new Map<number, number>()
  /** seq → body, intact (it is what was written, or what passed its checksum). */
  private readonly bodies = new Map<number, Uint8Array>()
  private bodyBytes = 0

  remember(seq: number, body: Uint8Array): void {
    this.forget(seq)
    this.sizes.set(seq, body.byteLength)
    if (this.sizes.size > MAX_ENTRIES) this.forget(this.sizes.keys().next().value!)
    if (body.byteLength > MAX_BODY_BYTES / 4) return
    this.bodies.set(seq, body)
    this.bodyBytes += body.byteLength
    while (this.bodies.size > MAX_ENTRIES || this.bodyBytes > MAX_BODY_BYTES) this.dropBody(this.bodies.keys().next().value!)
  }

  forget(seq: number): void {
    this.sizes.delete(seq)
    this.dropBody(seq)
  }

  clear(): void {
    this.sizes.clear()
    this.bodies.clear()
    this.bodyBytes = 0
  }

  /** The body sizes of every seq in [from, to], or undefined unless each is known. */
  sizesOf(from: number, to: number): number[] | undefined {
    if (to - from + 1 > MAX_ENTRIES) return undefined
    const out: number[] = []
    for (let seq = from; seq <= to; seq++) {
      const size = this.sizes.get(seq)
      if (size === undefined) return undefined
      out.push(size)
    }
    return out
  }

  has(seq: number): boolean {
    return this.sizes.has(seq)
  }

  /** Bodies of after+1, after+2, … while known and below `before`, at most `limit`: each of these seqs exists, so
   *  the first is the next record after `after`. Empty when after+1 is not known. */
  bodiesAfter(after: number, limit: number, before: number): Array<{ seq: number; body: Uint8Array }> {
    const out: Array<{ seq: number; body: Uint8Array }> = []
    for (let seq = after + 1; seq < before && out.length < limit; seq++) {
      const body = this.bodies.get(seq)
      if (!body) break
      out.push({ seq, body })
    }
    return out
  }

  private dropBody(seq: number): void {
    const body = this.bodies.get(seq)
    if (!body) return
    this.bodies.delete(seq)
    this.bodyBytes -= body.byteLength
  }
}
