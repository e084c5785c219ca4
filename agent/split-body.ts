import type { HealthResult, LogRecord, SpanRecord, WireMetrics, WireSeries } from '../protocol/batch.js'
import { DEFAULT_LIMITS, scanCbor, type DecodeLimits } from '../protocol/cbor-limits.js'
import { DecodeError } from '../protocol/errors.js'
import { encodeBody } from '../protocol/codec.js'

/** The data part of a batch (DESIGN §4), as inputs hand it to the agent. */
export interface BatchBody {
  m?: WireMetrics
  l?: LogRecord[]
  s?: SpanRecord[]
  h?: HealthResult[]
}

/** Largest encoded body: the hub's default payload limit (1 MiB) less room for the envelope. */
export const MAX_BODY_BYTES = 1_048_576 - 8_192

/** A part of a body, with its CBOR encoding (what the buffer stores). */
export interface EncodedPart {
  body: BatchBody
  bytes: Uint8Array
}

/** A part the hub would refuse (too large, too many items, too deep): it must never enter the buffer. */
export class BatchTooLargeError extends Error {
  override readonly name = 'BatchTooLargeError'
}

/** Room left for the envelope the uplink wraps around a body (v, dev, ep, seq, at, lo, hist: under 200 bytes). */
const ENVELOPE_BYTES = 512
const ENVELOPE_ITEMS = 32
const KIND_NAMES: Record<keyof BatchBody, string> = { m: 'metrics', l: 'logs', s: 'spans', h: 'health' }

/**
 * Splits a body into batch-sized parts, each of one kind and encoded once: at most `maxRecords` samples or records,
 * and at most `maxBytes` encoded (halving until it fits). A part the hub's decoder would still refuse (a single
 * record too large, too many items, too deep) throws BatchTooLargeError, so nothing of the body is kept.
 */
export function splitEncoded(body: BatchBody, maxRecords: number, maxBytes = MAX_BODY_BYTES, limits: DecodeLimits = DEFAULT_LIMITS): EncodedPart[] {
  const parts: EncodedPart[] = []
  const m = body.m
  if (m && m.i.length > 0) {
    for (let start = 0; start < m.i.length; start += maxRecords) {
      parts.push(...fitBytes({ m: start === 0 && m.i.length <= maxRecords ? m : sliceMetrics(m, start, start + maxRecords) }, maxBytes))
    }
  }
  for (const key of ['l', 's', 'h'] as const) {
    const records = body[key] as unknown[] | undefined
    if (!records?.length) continue
    for (let start = 0; start < records.length; start += maxRecords) {
      parts.push(...fitBytes({ [key]: records.slice(start, start + maxRecords) }, maxBytes))
    }
  }
  const bodyLimits = { maxBytes: limits.maxBytes - ENVELOPE_BYTES, maxDepth: limits.maxDepth, maxItems: limits.maxItems - ENVELOPE_ITEMS }
  for (const part of parts) {
    if (withinLimitsByShape(part, bodyLimits)) continue
    try {
      scanCbor(part.bytes, bodyLimits)
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      const kind = KIND_NAMES[Object.keys(part.body)[0] as keyof BatchBody] ?? 'body'
      throw new BatchTooLargeError(`${kind}: a batch of this request is over the hub's limits (${err.message}); send fewer or smaller records per request`)
    }
  }
  return parts
}

/**
 * A metrics-only part whose series table is flat (strings, and label maps of strings) is at most 6 deep, and has
 * fewer items than bytes: within the limits if its size is. Spares the scan of every sample on the agent's hot path.
 */
function withinLimitsByShape(part: EncodedPart, limits: DecodeLimits): boolean {
  const { m, l, s, h } = part.body
  if (!m || l || s || h || part.bytes.byteLength > Math.min(limits.maxBytes, limits.maxItems) || limits.maxDepth < 6) return false
  return Array.isArray(m.s) && m.s.every((row) => Array.isArray(row) && row.every((field) => typeof field === 'string' || isFlatStrings(field)))
}

function isFlatStrings(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  for (const v of Object.values(value)) if (typeof v !== 'string') return false
  return true
}

function recordCount(part: BatchBody): number {
  return part.m ? part.m.i.length : ((part.l ?? part.s ?? part.h) as unknown[]).length
}

function fitBytes(part: BatchBody, maxBytes: number): EncodedPart[] {
  const bytes = encodeBody(part)
  const n = recordCount(part)
  if (n <= 1 || bytes.byteLength <= maxBytes) return [{ body: part, bytes }]
  const half = Math.ceil(n / 2)
  const [a, b]: BatchBody[] = part.m
    ? [{ m: sliceMetrics(part.m, 0, half) }, { m: sliceMetrics(part.m, half, n) }]
    : (['l', 's', 'h'] as const).filter((k) => part[k]).map((k) => [{ [k]: part[k]!.slice(0, half) }, { [k]: part[k]!.slice(half) }])[0]
  return [...fitBytes(a, maxBytes), ...fitBytes(b, maxBytes)]
}

/** Samples [start, end) as a self-contained part: first delta re-based, series table cut to the series used. */
export function sliceMetrics(wire: WireMetrics, start: number, end: number): WireMetrics {
  end = Math.min(end, wire.i.length)
  let base = 0
  for (let k = 0; k <= start; k++) base += wire.t[k]
  const t = wire.t.slice(start, end)
  t[0] = base
  const remap = new Map<number, number>()
  const s: WireSeries[] = []
  const i = new Array<number>(end - start)
  for (let k = start; k < end; k++) {
    let j = remap.get(wire.i[k])
    if (j === undefined) {
      j = s.length
      remap.set(wire.i[k], j)
      s.push(wire.s[wire.i[k]])
    }
    i[k - start] = j
  }
  return { s, i, t, v: wire.v.slice(start, end) }
}
