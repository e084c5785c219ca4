import { gunzipSync } from 'node:zlib'
import { IngestError } from '../ingest/errors.js'
import { decodeProtobufRequest, type OtlpSignal } from './proto.js'

// OTLP/HTTP request bodies (https://opentelemetry.io/docs/specs/otlp/#otlphttp): binary protobuf
// (`application/x-protobuf`) or the JSON mapping (`application/json`), either optionally gzip-compressed.

export type OtlpEncoding = 'json' | 'protobuf'

/** Largest request body accepted, in bytes, before and after gunzip. */
export const MAX_OTLP_BODY_BYTES = 8 * 1024 * 1024

/** The encoding a content type names; 415 for anything else. */
export function requestEncoding(contentType: string | undefined): OtlpEncoding {
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase()
  if (mediaType === 'application/json') return 'json'
  if (mediaType === 'application/x-protobuf' || mediaType === 'application/protobuf') return 'protobuf'
  throw new IngestError(415, 'unsupported_media_type', `content-type must be application/json or application/x-protobuf, got ${JSON.stringify(mediaType || 'none')}`)
}

/** Undoes `content-encoding` (gzip or none), refusing output past `max` bytes. */
export function decompress(body: Uint8Array, contentEncoding: string | undefined, max = MAX_OTLP_BODY_BYTES): Uint8Array {
  const encoding = (contentEncoding ?? '').trim().toLowerCase()
  if (encoding === '' || encoding === 'identity') return body
  if (encoding !== 'gzip') throw new IngestError(415, 'unsupported_encoding', `content-encoding must be gzip or none, got ${JSON.stringify(encoding)}`)
  try {
    return gunzipSync(body, { maxOutputLength: max })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new IngestError(413, 'too_large', `body: larger than ${max} bytes once gunzipped`)
    throw new IngestError(400, 'invalid_otlp', `body: not valid gzip (${(err as Error).message})`)
  }
}

/** The request message as a plain object in the JSON mapping's shape (see ./proto.ts for protobuf). */
export function decodeRequest(signal: OtlpSignal, encoding: OtlpEncoding, bytes: Uint8Array): Record<string, unknown> {
  if (encoding === 'protobuf') {
    try {
      return decodeProtobufRequest(signal, bytes)
    } catch (err) {
      throw new IngestError(400, 'invalid_otlp', `body: not a protobuf Export${signalName(signal)}ServiceRequest (${(err as Error).message})`)
    }
  }
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw new IngestError(400, 'invalid_otlp', 'body: not valid UTF-8')
  }
  let parsed: unknown
  try {
    parsed = text.trim() === '' ? {} : JSON.parse(text)
  } catch (err) {
    throw new IngestError(400, 'invalid_otlp', `body: not valid JSON (${(err as Error).message})`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new IngestError(400, 'invalid_otlp', `body: must be a JSON object (an Export${signalName(signal)}ServiceRequest)`)
  }
  return parsed as Record<string, unknown>
}

const signalName = (signal: OtlpSignal) => ({ traces: 'Trace', metrics: 'Metrics', logs: 'Logs' })[signal]

