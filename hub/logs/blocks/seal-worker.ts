import { parentPort } from 'node:worker_threads'
import { sealHeadRows, type SealRequest, type SealReply } from './sealer.js'

// The seal worker (sealer.ts): builds blocks from head rows off the ingest thread. It only encodes; the store
// writes the blocks and the deletes of the head rows in one atomic batch, so a worker that dies loses nothing.

parentPort!.on('message', (request: SealRequest) => {
  sealHeadRows(request.rows, request.blockLines).then(
    (blocks) => parentPort!.postMessage({ id: request.id, blocks } satisfies SealReply),
    (error: unknown) => parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies SealReply),
  )
})
