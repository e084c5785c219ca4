/** A batch body waiting in the buffer: the encoded `m`/`l`/`s`/`h` part of a batch (DESIGN §4). */
export interface BufferedBatch {
  seq: number
  body: Uint8Array
}

export interface BufferStats {
  epoch: string
  bytes: number
  pending: number
  oldestSeq: number | undefined
  nextSeq: number
  droppedBatches: Record<string, number>
}

export type FullPolicy = 'drop_oldest' | 'block'

export class BufferFullError extends Error {
  override readonly name = 'BufferFullError'
}
