import type { Context, Hono } from 'hono'
import type { Logger } from '../../../kit/log.js'
import type { Telemetry } from '../../telemetry.js'
import { DecodeError } from '../../../protocol/errors.js'
import { BatchTooLargeError, type BatchBody } from '../../split-body.js'
import { BufferFullError } from '../../buffer/types.js'
import { IngestCounters } from './counters.js'
import { toBatchBody } from './convert.js'
import { IngestError } from './errors.js'
import { parseIngestRequest } from './schema.js'
import { readBody } from './read-body.js'

/** Largest request body accepted, in bytes. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024

export interface IngestOptions {
  /** Validates and durably buffers a batch body (Agent.accept); resolves only once it is on disk. */
  accept: (body: BatchBody) => Promise<unknown>
  /** The agent's self-metrics table; the ingest counters are declared in it (on `/metrics` and shipped). */
  telemetry: Telemetry
  /** Sent as `Retry-After` when the buffer is full. */
  retryAfterSeconds: number
  log: Logger
  /** Time given to records without `ts`, in ms. */
  now?: () => number
  maxBodyBytes?: number
}

/** DESIGN §9: `POST /v1/ingest` takes Outpost JSON; a 2xx means every record is durably in the buffer. */
export function mountIngest(app: Hono, options: IngestOptions): void {
  const counters = new IngestCounters(options.telemetry)
  const now = options.now ?? Date.now
  const maxBodyBytes = options.maxBodyBytes ?? MAX_BODY_BYTES

  app.post('/v1/ingest', async (c) => {
    try {
      const mediaType = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase()
      if (mediaType !== 'application/json') {
        throw new IngestError(415, 'unsupported_media_type', `content-type must be application/json, got ${JSON.stringify(mediaType || 'none')}`)
      }
      const text = await readLimited(c.req.raw, maxBodyBytes)
      const { body, counts } = toBatchBody(parseIngestRequest(parseJson(text)), now())
      await options.accept(body)
      counters.accepted(counts)
      return c.json({ accepted: counts })
    } catch (err) {
      return refuse(c, err)
    }
  })

  function refuse(c: Context, err: unknown): Response {
    if (err instanceof IngestError) return reply(c, err.status, err.code, err.message)
    if (err instanceof BatchTooLargeError) return reply(c, 413, 'batch_too_large', err.message)
    if (err instanceof DecodeError) return reply(c, 400, err.code, err.message)
    if (err instanceof BufferFullError) {
      c.header('retry-after', String(options.retryAfterSeconds))
      return reply(c, 503, 'buffer_full', `the agent's buffer is full (${err.message}); nothing was kept, retry later`)
    }
    options.log('error', 'ingest failed', { error: err instanceof Error ? err.message : String(err) })
    return reply(c, 500, 'internal', 'the agent could not store the data; nothing was kept')
  }

  function reply(c: Context, status: 400 | 413 | 415 | 500 | 503, code: string, message: string): Response {
    counters.rejected(code)
    return c.json({ error: { code, message } }, status)
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (err) {
    throw new IngestError(400, 'bad_json', `body: not valid JSON (${(err as Error).message})`)
  }
}

/** Reads the body as UTF-8, refusing it as soon as it passes `max` bytes rather than buffering all of it. */
async function readLimited(request: Request, max: number): Promise<string> {
  const bytes = await readBody(request, max)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new IngestError(400, 'bad_json', 'body: not valid UTF-8')
  }
}
