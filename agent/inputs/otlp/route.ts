import type { Context, Hono } from 'hono'
import type { Logger } from '../../../kit/log.js'
import type { Telemetry } from '../../telemetry.js'
import { DecodeError } from '../../../protocol/errors.js'
import { BufferFullError } from '../../buffer/types.js'
import { IngestError } from '../ingest/errors.js'
import { BatchTooLargeError, type BatchBody } from '../../split-body.js'
import { OtlpCounters } from './counters.js'
import { decodeRequest, decompress, MAX_OTLP_BODY_BYTES, requestEncoding, type OtlpEncoding } from './decode.js'
import { readBody } from '../ingest/read-body.js'
import { DeltaTotals } from './delta-totals.js'
import { encodeProtobufResponse, loadProto, type OtlpSignal } from './proto.js'
import { REJECTED_FIELD, convertSignal, type SignalConversion } from './signals.js'

export interface OtlpOptions {
  /** Validates and durably buffers a batch body (Agent.accept); resolves only once it is on disk. */
  accept: (body: BatchBody) => Promise<unknown>
  /** The agent's self-metrics table; the OTLP counters are declared in it (on `/metrics` and shipped). */
  telemetry: Telemetry
  /** Sent as `Retry-After` when the buffer is full. */
  retryAfterSeconds: number
  log: Logger
  /** Time given to records without one, in ms. */
  now?: () => number
}

const SIGNALS: OtlpSignal[] = ['traces', 'metrics', 'logs']

/**
 * DESIGN §9: `POST /v1/traces`, `/v1/metrics`, `/v1/logs` take OTLP/HTTP (JSON or protobuf, optionally gzipped), so
 * OpenTelemetry SDKs export to the agent unchanged. A 200 means every kept record is durably in the buffer; records
 * refused one by one are counted in the response's partialSuccess. docs/otlp.md has the mapping.
 */
export function mountOtlp(app: Hono, options: OtlpOptions): void {
  const counters = new OtlpCounters(options.telemetry)
  const now = options.now ?? Date.now
  const state = { deltas: new DeltaTotals() }

  for (const signal of SIGNALS) {
    app.post(`/v1/${signal}`, async (c) => {
      let encoding: OtlpEncoding = 'json'
      let rejected = 0
      try {
        encoding = requestEncoding(c.req.header('content-type'))
        if (encoding === 'protobuf') await loadProto()
        const bytes = decompress(await readBody(c.req.raw, MAX_OTLP_BODY_BYTES), c.req.header('content-encoding'))
        const converted = convertSignal(signal, decodeRequest(signal, encoding, bytes), now(), state)
        rejected = converted.rejected
        if (converted.accepted === 0 && converted.rejected > 0) throw new IngestError(400, 'invalid_otlp', summary(converted))
        if (converted.accepted > 0) {
          await options.accept(converted.body)
          converted.commit()
        }
        counters.done(signal, converted.accepted, converted.rejected)
        return respond(c, signal, encoding, converted)
      } catch (err) {
        return refuse(c, signal, err, rejected)
      }
    })
  }

  function refuse(c: Context, signal: OtlpSignal, err: unknown, rejected: number): Response {
    const reply = (status: 400 | 413 | 415 | 500 | 503, code: string, message: string) => {
      counters.refused(signal, code, rejected)
      // Errors are Outpost's JSON for both encodings (docs/otlp.md); exporters act on the status code.
      return c.json({ error: { code, message } }, status)
    }
    if (err instanceof IngestError) return reply(err.status, err.code, err.message)
    if (err instanceof BatchTooLargeError) return reply(413, 'batch_too_large', err.message)
    if (err instanceof DecodeError) return reply(400, err.code, err.message)
    if (err instanceof BufferFullError) {
      c.header('retry-after', String(options.retryAfterSeconds))
      return reply(503, 'buffer_full', `the agent's buffer is full (${err.message}); nothing was kept, retry later`)
    }
    options.log('error', 'otlp export failed', { signal, error: err instanceof Error ? err.message : String(err) })
    return reply(500, 'internal', 'the agent could not store the data; nothing was kept')
  }
}

/** The refusals of a request in one message: the first few reasons, and how many there were in all. */
function summary(converted: SignalConversion): string {
  const more = converted.rejected - converted.problems.length
  return converted.problems.join('; ') + (more > 0 ? `; and ${more} more refused` : '')
}

/** OTLP's Export<Signal>ServiceResponse: empty on full success, partialSuccess when some records were refused. */
function respond(c: Context, signal: OtlpSignal, encoding: OtlpEncoding, converted: SignalConversion): Response {
  const partial = converted.rejected > 0 ? { partialSuccess: { [REJECTED_FIELD[signal]]: converted.rejected, errorMessage: summary(converted) } } : {}
  if (encoding === 'protobuf') {
    return c.body(Buffer.from(encodeProtobufResponse(signal, partial)), 200, { 'content-type': 'application/x-protobuf' })
  }
  // The JSON mapping writes int64 as a decimal string.
  const json = converted.rejected > 0 ? { partialSuccess: { ...partial.partialSuccess, [REJECTED_FIELD[signal]]: String(converted.rejected) } } : {}
  return c.json(json)
}
