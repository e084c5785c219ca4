import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { EncodedBlock } from './block-codec.js'
import { decodeHeadRow, headRowCount } from './head-row.js'
import { encodeBlocks } from './seal.js'

// Sealing head rows into blocks (tokenizing, sorting, column building, Brotli) costs several times what storing
// them did, so it runs in a worker thread and the ingest thread only writes the result (docs/logs.md, "Head and
// sealing"). The worker gets the head rows as stored (bytes, cheap to copy) and returns encoded blocks. Run from
// TypeScript sources (vitest), where there is no compiled worker file, it seals on the calling thread.

/** One head row as the store keeps it: its batch and its bytes (head-row.ts). */
export interface HeadRowRef {
  dev: string
  ep: string
  seq: number
  bytes: Uint8Array
}

export interface SealRequest {
  id: number
  rows: readonly HeadRowRef[]
  blockLines: number
}

export type SealReply = { id: number; blocks: EncodedBlock[] } | { id: number; error: string }

export function sealHeadRows(rows: readonly HeadRowRef[], blockLines: number): Promise<EncodedBlock[]> {
  return encodeBlocks(rows.flatMap((r) => decodeHeadRow(r.bytes, r.dev, r.ep, r.seq)), blockLines)
}

const WORKER_FILE = new URL('./seal-worker.js', import.meta.url)

type Waiter = { resolve: (blocks: EncodedBlock[]) => void; reject: (error: Error) => void }

/** One worker thread and the seals it has in hand. */
class SealThread {
  private worker: Worker | undefined
  private readonly pending = new Map<number, Waiter>()

  seal(request: SealRequest): Promise<EncodedBlock[]> {
    const worker = this.start()
    return new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject })
      worker.ref()
      worker.postMessage(request)
    })
  }

  async close(): Promise<void> {
    const worker = this.worker
    this.worker = undefined
    if (worker) await worker.terminate()
    this.fail(new Error('log sealer closed'))
  }

  private start(): Worker {
    if (this.worker) return this.worker
    // A seal holds every line of its blocks at once: a young generation that size spares copying them twice.
    const worker = new Worker(WORKER_FILE, { resourceLimits: { maxYoungGenerationSizeMb: 96 } })
    worker.on('message', (reply: SealReply) => {
      const waiter = this.pending.get(reply.id)
      this.pending.delete(reply.id)
      if (this.pending.size === 0) worker.unref()
      if (!waiter) return
      if ('error' in reply) waiter.reject(new Error(`log seal failed: ${reply.error}`))
      else waiter.resolve(reply.blocks)
    })
    // A worker that dies fails its seals; the head rows stay, and the next seal starts a new worker.
    const lost = (error: Error) => {
      if (this.worker === worker) this.worker = undefined
      this.fail(error)
    }
    worker.on('error', lost)
    worker.on('exit', (code) => lost(new Error(`log seal worker exited with code ${code}`)))
    worker.unref()
    this.worker = worker
    return worker
  }

  private fail(error: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(error)
    this.pending.clear()
  }
}

export class Sealer {
  /** Worker threads, none when only the sources are there (then seals run on the calling thread). */
  private readonly threads: SealThread[]
  private nextId = 1

  constructor(threads = existsSync(fileURLToPath(WORKER_FILE)) ? Math.min(2, availableParallelism()) : 0) {
    this.threads = Array.from({ length: threads }, () => new SealThread())
  }

  /**
   * Blocks of the rows. A head of several blocks' lines (sealing fell behind) is cut into one part per thread,
   * each at least `blockLines` lines, sealed side by side.
   */
  async seal(rows: readonly HeadRowRef[], blockLines: number, lines: number): Promise<EncodedBlock[]> {
    if (this.threads.length === 0) return sealHeadRows(rows, blockLines)
    const parts = Math.max(1, Math.min(this.threads.length, Math.floor(lines / blockLines)))
    const target = lines / parts
    const chunks: HeadRowRef[][] = [[]]
    let filled = 0
    for (const row of rows) {
      if (filled >= target * chunks.length && chunks.length < parts) chunks.push([])
      chunks[chunks.length - 1].push(row)
      filled += headRowCount(row.bytes)
    }
    const sealed = await Promise.all(chunks.map((chunk, i) => this.threads[i].seal({ id: this.nextId++, rows: chunk, blockLines })))
    return sealed.flat()
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()))
  }
}
