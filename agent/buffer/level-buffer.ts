import { randomBytes } from 'node:crypto'
import { Level } from 'level'
import type { BufferedBatch, BufferStats, FullPolicy } from './types.js'
import { BufferFullError } from './types.js'

export interface LevelBufferOptions {
  maxBytes: number
  policy: FullPolicy
}

const META_EPOCH = 'epoch'
const META_NEXT_SEQ = 'nextSeq'
const seqKey = (seq: number) => seq.toString().padStart(16, '0')

/**
 * The agent's durable outbox (DESIGN §5). A batch stays until the hub acks it; its seq and the
 * next-seq counter are written in one atomic batch, so a seq is never reused, across restarts too.
 */
export class LevelBuffer {
  private readonly db: Level<string, Uint8Array>
  private readonly batches
  private readonly meta
  private epochId = ''
  private next = 1
  private bytes = 0
  private pending = 0
  private readonly dropped: Record<string, number> = {}
  private readonly sizes = new Map<number, number>()
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly dir: string,
    private readonly options: LevelBufferOptions,
  ) {
    this.db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
    this.batches = this.db.sublevel<string, Uint8Array>('b', { valueEncoding: 'view' })
    this.meta = this.db.sublevel<string, string>('meta', { valueEncoding: 'utf8' })
  }

  get epoch(): string {
    return this.epochId
  }

  async open(): Promise<void> {
    await this.db.open()
    const epoch = await this.meta.get(META_EPOCH)
    if (epoch === undefined) {
      // A new buffer starts a new epoch, so seqs of a wiped buffer never collide with old ones at the hub.
      this.epochId = randomBytes(8).toString('hex')
      await this.meta.batch([
        { type: 'put', key: META_EPOCH, value: this.epochId },
        { type: 'put', key: META_NEXT_SEQ, value: '1' },
      ])
    } else {
      this.epochId = epoch
      this.next = Number((await this.meta.get(META_NEXT_SEQ)) ?? '1')
    }
    for await (const [key, value] of this.batches.iterator()) {
      this.sizes.set(Number(key), value.byteLength)
      this.bytes += value.byteLength
      this.pending++
    }
  }

  async close(): Promise<void> {
    await this.queue.catch(() => {})
    await this.db.close()
  }

  /** Durably stores a batch body; resolves with its seq once it is on disk. */
  append(body: Uint8Array): Promise<number> {
    return this.serialize(async () => {
      if (body.byteLength > this.options.maxBytes) throw new BufferFullError('batch larger than the whole buffer')
      if (this.bytes + body.byteLength > this.options.maxBytes) {
        if (this.options.policy === 'block') throw new BufferFullError('buffer full')
        await this.dropOldest(this.bytes + body.byteLength - this.options.maxBytes)
      }
      const seq = this.next
      await this.db.batch([
        { type: 'put', sublevel: this.batches, key: seqKey(seq), value: body },
        { type: 'put', sublevel: this.meta, key: META_NEXT_SEQ, value: String(seq + 1) },
      ] as never)
      this.next = seq + 1
      this.sizes.set(seq, body.byteLength)
      this.bytes += body.byteLength
      this.pending++
      return seq
    })
  }

  /** Up to `limit` batches with seq > afterSeq, oldest first. */
  async read(afterSeq: number, limit: number): Promise<BufferedBatch[]> {
    const out: BufferedBatch[] = []
    for await (const [key, body] of this.batches.iterator({ gt: seqKey(afterSeq), limit })) {
      out.push({ seq: Number(key), body })
    }
    return out
  }

  /** The hub stored every batch up to `seq` (DESIGN §3 ack): forget them. */
  ack(epoch: string, seq: number): Promise<number> {
    return this.serialize(async () => {
      if (epoch !== this.epochId) return 0
      const removed = [...this.sizes.keys()].filter((s) => s <= seq)
      if (removed.length === 0) return 0
      await this.batches.clear({ lte: seqKey(seq) })
      for (const s of removed) this.forget(s)
      return removed.length
    })
  }

  /** Lowest seq still held, or the next seq when empty: everything below was acked or dropped. */
  lowestSeq(): number {
    let low = this.next
    for (const s of this.sizes.keys()) if (s < low) low = s
    return low
  }

  stats(): BufferStats {
    return {
      epoch: this.epochId,
      bytes: this.bytes,
      pending: this.pending,
      oldestSeq: this.pending > 0 ? this.lowestSeq() : undefined,
      nextSeq: this.next,
      droppedBatches: { ...this.dropped },
    }
  }

  private async dropOldest(needed: number): Promise<void> {
    const ops: { type: 'del'; key: string }[] = []
    let freed = 0
    for (const seq of [...this.sizes.keys()].sort((a, b) => a - b)) {
      if (freed >= needed) break
      freed += this.sizes.get(seq)!
      ops.push({ type: 'del', key: seqKey(seq) })
    }
    await this.batches.batch(ops)
    for (const op of ops) this.forget(Number(op.key))
    this.dropped.buffer_full = (this.dropped.buffer_full ?? 0) + ops.length
  }

  private forget(seq: number): void {
    const size = this.sizes.get(seq)
    if (size === undefined) return
    this.sizes.delete(seq)
    this.bytes -= size
    this.pending--
  }

  private serialize<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => {})
    return run
  }
}
