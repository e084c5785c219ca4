/** A batch body waiting in the buffer: the encoded `m`/`l`/`s`/`h` part of a batch (DESIGN §4). */
export interface BufferedBatch {
  seq: number
  body: Uint8Array
}

export interface BufferStats {
  epoch: string
  /** Sum of the pending bodies' sizes. */
  bytes: number
  /** What the buffer's directory uses on disk (last measurement plus what was written since): what the cap limits. */
  diskBytes: number
  pending: number
  oldestSeq: number | undefined
  nextSeq: number
  /** Batches lost since this process opened the buffer, by reason: `buffer_full`, `disk_full`, `corrupt`. */
  droppedBatches: Record<string, number>
  /** Damaged records held aside in the quarantine (never sent; cleared first when space is needed). */
  quarantined: number
  /** Times the database had to be repaired, or moved aside and started afresh with a new epoch. */
  recoveries: { repaired: number; reset: number }
  /** Writes that failed for lack of disk space (each refused what it carried; the database was reopened). */
  noSpaceErrors: number
}

export type FullPolicy = 'drop_oldest' | 'block'

export type BufferLog = (level: string, msg: string, extra?: Record<string, unknown>) => void

export interface LevelBufferOptions {
  /** Cap on the directory's size on disk (`buffer.maxBytes`). */
  maxBytes: number
  policy: FullPolicy
  /**
   * Sync every write to the device before it resolves. Without it a write has reached the OS when it resolves, which
   * survives kill -9 of the agent but not a power cut or kernel crash; with it each write waits for the disk.
   */
  fsync?: boolean
  clock?: () => number
  log?: BufferLog
}

export class BufferFullError extends Error {
  override readonly name = 'BufferFullError'
}
