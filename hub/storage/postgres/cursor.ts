// Reading a key range of the PostgreSQL store in key order, a page at a time (keyset pagination: each page starts
// after the last key of the one before). A range inside one sublevel reads one table; a range over the root (the
// abstract-level suite, never the hub) merges the tables it spans, whose key intervals are disjoint.
import { clipRange, compare, fullKey, quote, type KeyRange } from './keys.js'
import { rangeWhere } from './sql.js'

/** Runs a read; resolves undefined for a table that does not exist (yet). */
export type Query = (prefix: string, text: (table: string) => string, values: unknown[]) => Promise<Array<{ k: Buffer; v?: Buffer }> | undefined>

export type Entry = [key: Buffer, value: Buffer | undefined]

const FIRST_PAGE = 64
const MAX_PAGE = 1024

/** One table's part of the range, read page by page; keys come back as root keys. */
class TableCursor {
  private buffered: Entry[] = []
  private done = false
  private pageSize = FIRST_PAGE

  constructor(
    private readonly query: Query,
    readonly prefix: string,
    private range: KeyRange,
    private readonly reverse: boolean,
    private readonly values: boolean,
  ) {}

  /** The next entry without taking it; undefined at the end. */
  async peek(want: number): Promise<Entry | undefined> {
    if (this.buffered.length === 0 && !this.done) await this.fill(want)
    return this.buffered[0]
  }

  take(): Entry {
    return this.buffered.shift()!
  }

  /** Moves to the first key >= target (<= when reverse) within the original range; `target` is a root key. */
  seek(target: Buffer, original: KeyRange): void {
    this.buffered = []
    this.done = false
    this.pageSize = FIRST_PAGE
    const inner = clipRange(this.reverse ? { lte: target } : { gte: target }, this.prefix)
    if (!inner) {
      this.done = true
      return
    }
    this.range = this.reverse ? tighten(original, inner, 'upper') : tighten(original, inner, 'lower')
  }

  private async fill(want: number): Promise<void> {
    const n = Math.min(MAX_PAGE, Math.max(want, this.pageSize))
    this.pageSize = Math.min(MAX_PAGE, this.pageSize * 2)
    const { where, values } = rangeWhere(this.range)
    const cols = this.values ? 'k, v' : 'k'
    const order = this.reverse ? 'DESC' : 'ASC'
    const rows = (await this.query(this.prefix, (t) => `SELECT ${cols} FROM ${quote(t)}${where} ORDER BY k ${order} LIMIT ${n}`, values)) ?? []
    if (rows.length < n) this.done = true
    if (rows.length > 0) {
      const last = rows[rows.length - 1].k
      this.range = this.reverse ? { ...withoutUpper(this.range), lt: last } : { ...withoutLower(this.range), gt: last }
    }
    for (const row of rows) this.buffered.push([fullKey(this.prefix, row.k), row.v])
  }
}

function withoutLower({ gt: _gt, gte: _gte, ...rest }: KeyRange): KeyRange {
  return rest
}
function withoutUpper({ lt: _lt, lte: _lte, ...rest }: KeyRange): KeyRange {
  return rest
}

/** `original` with its lower (or upper) bound raised (or lowered) to the seek target's, whichever is tighter. */
function tighten(original: KeyRange, target: KeyRange, side: 'lower' | 'upper'): KeyRange {
  if (side === 'lower') {
    const t = target.gte
    if (!t) return original
    const o = original.gte ?? original.gt
    if (o && compare(o, t) >= 0) return original
    return { ...withoutLower(original), gte: t }
  }
  const t = target.lte
  if (!t) return original
  const o = original.lte ?? original.lt
  if (o && compare(o, t) <= 0) return original
  return { ...withoutUpper(original), lte: t }
}

/** Entries of a root range across one or more tables, in key order (or reverse). */
export class MergedCursor {
  private readonly cursors: TableCursor[]
  private readonly clipped: KeyRange[]

  /** `tables`: the prefixes whose table may hold part of `range` (a table wholly outside it is skipped). */
  constructor(query: Query, tables: readonly string[], private readonly range: KeyRange, private readonly reverse: boolean, values: boolean) {
    this.cursors = []
    this.clipped = []
    for (const prefix of tables) {
      const inner = clipRange(range, prefix)
      if (!inner) continue
      this.cursors.push(new TableCursor(query, prefix, inner, reverse, values))
      this.clipped.push(inner)
    }
  }

  /** Up to `n` next entries; fewer only at the end. */
  async next(n: number): Promise<Entry[]> {
    const out: Entry[] = []
    while (out.length < n) {
      let best: TableCursor | undefined
      let bestKey: Buffer | undefined
      for (const cursor of this.cursors) {
        const head = await cursor.peek(n - out.length)
        if (!head) continue
        if (!bestKey || (this.reverse ? compare(head[0], bestKey) > 0 : compare(head[0], bestKey) < 0)) {
          best = cursor
          bestKey = head[0]
        }
      }
      if (!best) break
      out.push(best.take())
    }
    return out
  }

  seek(target: Buffer): void {
    this.cursors.forEach((cursor, i) => cursor.seek(target, this.clipped[i]))
  }
}
