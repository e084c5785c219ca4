import { Decoder, Encoder, type Options } from 'cbor-x'
import type { Ack, Batch, DecodedBatch, StatusMessage } from './batch.js'
import { validateCmdMessage, validateCmdReply, type CmdMessage, type CmdReply } from './commands.js'
import { DEFAULT_LIMITS, scanCbor, type DecodeLimits } from './cbor-limits.js'
import { splitColumns } from './columns.js'
import { encodeMetricsBody } from './column-encoder.js'
import { DecodeError } from './errors.js'
import { validateAck, validateBatch, validateStatus } from './validate.js'

// DESIGN §3/§4: batches, acks and status messages travel as CBOR.
//
// The options are fixed, so one encoder/decoder pair serves every caller (they hold no per-message state).
// - useRecords: false — plain CBOR maps, no cbor-x record extension, so any CBOR library can read a batch.
// - variableMapSize: true — the smallest map header (most label maps have a few keys: 1 byte, not 3).
// - No useFloat32: DECIMAL_FIT does not round-trip every double (937.8000000000001 comes back as 937.8),
//   so non-integer values cost 9 bytes; integers still take 1–5 bytes.
// - int64AsNumber: a 64-bit integer from another encoder decodes as a number, which validation then judges,
//   instead of a bigint that every numeric check would refuse.
const CODEC_OPTIONS = { useRecords: false, mapsAsObjects: true, variableMapSize: true } satisfies Options
const encoder = new Encoder(CODEC_OPTIONS)
const decoder = new Decoder({ ...CODEC_OPTIONS, int64AsNumber: true } as Options)

/** Acks and status messages are a few dozen bytes; refuse anything much bigger before looking at it. */
export const SMALL_MESSAGE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxBytes: 65_536,
  maxDepth: 8,
  maxItems: 10_000,
})

function encodeValue(value: unknown): Uint8Array {
  // cbor-x returns a view into its own buffer; later encodes write past it, never over it.
  return encoder.encode(value)
}

function decodeValue(bytes: Uint8Array, limits: DecodeLimits): unknown {
  scanCbor(bytes, limits)
  return decodeChecked(bytes)
}

/** Decodes bytes that scanCbor accepted. */
function decodeChecked(bytes: Uint8Array): unknown {
  try {
    return decoder.decode(bytes)
  } catch (err) {
    throw new DecodeError('malformed', `CBOR decode failed: ${(err as Error).message}`)
  }
}

/**
 * Encodes a batch for `outpost/v1/{device}/telemetry`. The batch is validated first and a DecodeError thrown
 * if the hub would refuse it, so a poison batch never reaches the agent's buffer.
 */
export function encodeBatch(batch: Batch): Uint8Array {
  validateBatch(batch)
  return encodeValue(batch)
}

/**
 * Encodes a batch whose body was validated when it entered the agent's buffer (Agent.accept): the uplink's hot path,
 * which would otherwise validate every sample a second time on each send and resend.
 */
export function encodeValidatedBatch(batch: Batch): Uint8Array {
  return encodeValue(batch)
}

/**
 * Encodes a batch body (`m`, `l`, `s`, `h`) as the agent buffers it: with the wire encoder, so `wrapBody` can send it
 * without decoding it again.
 */
export function encodeBody(body: Partial<Pick<Batch, 'm' | 'l' | 's' | 'h'>>): Uint8Array {
  return encodeMetricsBody(body, encodeValue) ?? encodeValue(body)
}

/** Length of a definite-length map header and the number of entries it announces; undefined if not a map. */
function mapHeader(bytes: Uint8Array): { size: number; entries: number } | undefined {
  if (bytes.length === 0 || bytes[0] >> 5 !== 5) return undefined
  const info = bytes[0] & 0x1f
  if (info < 24) return { size: 1, entries: info }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (info === 24 && bytes.length >= 2) return { size: 2, entries: bytes[1] }
  if (info === 25 && bytes.length >= 3) return { size: 3, entries: view.getUint16(1) }
  if (info === 26 && bytes.length >= 5) return { size: 5, entries: view.getUint32(1) }
  return undefined
}

function writeMapHeader(entries: number): Uint8Array {
  if (entries < 24) return Uint8Array.of(0xa0 | entries)
  if (entries < 256) return Uint8Array.of(0xb8, entries)
  return Uint8Array.of(0xb9, entries >> 8, entries & 0xff)
}

/**
 * The telemetry payload for a buffered body (a CBOR map of `m`/`l`/`s`/`h`) and its envelope (`v`, `dev`, `ep`,
 * `seq`, `at`, `lo`, `hist`), built by joining the body's map entries and the envelope's: the bytes are those of
 * `encodeValidatedBatch({...body, ...envelope})`, without decoding and re-encoding every sample on each send.
 * A body that is not a map (never written by this agent) goes the slow way and fails validation at the hub as before.
 */
export function wrapBody(body: Uint8Array, envelope: Omit<Batch, 'm' | 'l' | 's' | 'h'>): Uint8Array {
  const head = mapHeader(body)
  if (!head) return encodeValidatedBatch({ ...(decoder.decode(body) as object), ...envelope } as Batch)
  const env = encodeValue(envelope)
  const envHead = mapHeader(env)!
  const header = writeMapHeader(head.entries + envHead.entries)
  const out = new Uint8Array(header.length + body.length - head.size + env.length - envHead.size)
  out.set(header, 0)
  out.set(body.subarray(head.size), header.length)
  out.set(env.subarray(envHead.size), header.length + body.length - head.size)
  return out
}

/** Scans, decodes and validates a telemetry payload; every failure is a DecodeError with a reason code. */
export function decodeBatch(bytes: Uint8Array, limits?: Partial<DecodeLimits>): DecodedBatch {
  // `??` rather than a spread, so a limit passed as undefined falls back to the default instead of vanishing.
  const resolved: DecodeLimits = {
    maxBytes: limits?.maxBytes ?? DEFAULT_LIMITS.maxBytes,
    maxDepth: limits?.maxDepth ?? DEFAULT_LIMITS.maxDepth,
    maxItems: limits?.maxItems ?? DEFAULT_LIMITS.maxItems,
  }
  scanCbor(bytes, resolved)
  // Sample columns straight into typed arrays; cbor-x decodes the rest (protocol/columns.ts).
  const split = splitColumns(bytes)
  if (!split) return validateBatch(decodeChecked(bytes))
  return validateBatch(decodeChecked(split.rest), split.columns)
}

export function encodeAck(ack: Ack): Uint8Array {
  return encodeValue(validateAck(ack))
}

export function decodeAck(bytes: Uint8Array): Ack {
  return validateAck(decodeValue(bytes, SMALL_MESSAGE_LIMITS))
}

export function encodeStatus(status: StatusMessage): Uint8Array {
  return encodeValue(validateStatus(status))
}

export function decodeStatus(bytes: Uint8Array): StatusMessage {
  return validateStatus(decodeValue(bytes, SMALL_MESSAGE_LIMITS))
}

/** `outpost/v1/{device}/cmd` (DESIGN §3): a config or a command, at most SMALL_MESSAGE_LIMITS.maxBytes encoded. */
export function encodeCmd(message: CmdMessage): Uint8Array {
  return encodeValue(validateCmdMessage(message))
}

export function decodeCmd(bytes: Uint8Array): CmdMessage {
  return validateCmdMessage(decodeValue(bytes, SMALL_MESSAGE_LIMITS))
}

export function encodeCmdReply(reply: CmdReply): Uint8Array {
  return encodeValue(validateCmdReply(reply))
}

export function decodeCmdReply(bytes: Uint8Array): CmdReply {
  return validateCmdReply(decodeValue(bytes, SMALL_MESSAGE_LIMITS))
}
