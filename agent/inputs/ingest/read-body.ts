// Request bodies on the agent's listener (JSON ingest and OTLP): read with a size cap, refused as soon as they pass it.
import { IngestError } from './errors.js'

/** Reads the body, refusing it as soon as it passes `max` bytes rather than buffering all of it. */
export async function readBody(request: Request, max: number): Promise<Uint8Array> {
  const tooLarge = () => new IngestError(413, 'too_large', `body: larger than ${max} bytes`)
  if (Number(request.headers.get('content-length') ?? 0) > max) throw tooLarge()
  if (!request.body) return new Uint8Array()
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = request.body.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel()
      throw tooLarge()
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}
