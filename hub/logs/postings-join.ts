import type { LogSublevel } from './keys.js'

// Walks posting lists newest first and yields the record ids present in all of them (a leapfrog join: each list
// seeks to the others' position), so the cost follows the rarest list, not the commonest. Posting keys end with
// the record id, whose order is time order, so one list is one reverse range scan.

/** A descending stream of record ids. `current` is undefined once exhausted. */
export interface IdStream {
  readonly current: string | undefined
  /** Positions the stream on its first (largest) id. */
  start(): Promise<void>
  /** Moves to the next (smaller) id. */
  advance(): Promise<void>
  /** Moves to the largest id <= target (never forward). */
  seek(target: string): Promise<void>
  close(): Promise<void>
}

/** Ids in [low, high) are the record ids of one posting list: `${prefix}${id}`. */
export class PostingStream implements IdStream {
  current: string | undefined
  private readonly iterator

  constructor(index: LogSublevel, private readonly prefix: string, low: string, high: string) {
    this.iterator = index.keys({ gte: prefix + low, lt: prefix + high, reverse: true })
  }

  start(): Promise<void> {
    return this.advance()
  }

  async advance(): Promise<void> {
    const key = await this.iterator.next()
    this.current = key === undefined ? undefined : key.slice(this.prefix.length)
  }

  async seek(target: string): Promise<void> {
    // Reverse iterators seek to the last key <= target (abstract-level), within the range.
    this.iterator.seek(this.prefix + target)
    await this.advance()
  }

  close(): Promise<void> {
    return this.iterator.close()
  }
}

/** Ids present in any of the streams (e.g. level=error,critical). */
export class UnionStream implements IdStream {
  constructor(private readonly streams: IdStream[]) {}

  get current(): string | undefined {
    let max: string | undefined
    for (const s of this.streams) if (s.current !== undefined && (max === undefined || s.current > max)) max = s.current
    return max
  }

  async start(): Promise<void> {
    await Promise.all(this.streams.map((s) => s.start()))
  }

  async advance(): Promise<void> {
    const top = this.current
    await Promise.all(this.streams.filter((s) => s.current !== undefined && s.current === top).map((s) => s.advance()))
  }

  async seek(target: string): Promise<void> {
    await Promise.all(this.streams.filter((s) => s.current !== undefined && s.current > target).map((s) => s.seek(target)))
  }

  async close(): Promise<void> {
    await Promise.all(this.streams.map((s) => s.close()))
  }
}

/** Record ids in all streams, newest first. The streams must be fresh (not yet advanced). */
export async function* intersect(streams: IdStream[]): AsyncGenerator<string> {
  await Promise.all(streams.map((s) => s.start()))
  while (true) {
    let target: string | undefined
    for (const s of streams) {
      const id = s.current
      if (id === undefined) return
      if (target === undefined || id < target) target = id
    }
    let aligned = true
    for (const s of streams) {
      if (s.current! > target!) {
        await s.seek(target!)
        aligned = false
      }
    }
    if (!aligned) continue
    yield target!
    await Promise.all(streams.map((s) => s.advance()))
  }
}
