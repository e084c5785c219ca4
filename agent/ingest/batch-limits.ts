import { encode } from 'cbor-x'
import { DEFAULT_LIMITS, scanCbor, type DecodeLimits } from '../../protocol/cbor-limits.js'
import { DecodeError } from '../../protocol/errors.js'
import type { BatchBody } from '../agent.js'
import { IngestError } from './errors.js'

/** Room left for the envelope the uplink wraps around a body (v, dev, ep, seq, at, lo, hist: under 200 bytes). */
const ENVELOPE_BYTES = 512
const ENVELOPE_ITEMS = 32

const KIND_NAMES: Record<keyof BatchBody, string> = { m: 'metrics', l: 'logs', s: 'spans', h: 'health' }

/**
 * Refuses a request whose batches the hub would refuse as too large, too deep or too many items (its default
 * decoding limits, protocol/cbor-limits.ts). Such a batch would never be acked and would hold back every later one
 * (docs/delivery.md, agent guarantee 4), so it must not enter the buffer. `parts` are the batch bodies the agent
 * will store, as Agent.accept splits them.
 */
export function assertBatchesFit(parts: BatchBody[], limits: DecodeLimits = DEFAULT_LIMITS): void {
  const bodyLimits = { maxBytes: limits.maxBytes - ENVELOPE_BYTES, maxDepth: limits.maxDepth, maxItems: limits.maxItems - ENVELOPE_ITEMS }
  for (const part of parts) {
    try {
      scanCbor(encode(part), bodyLimits)
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      const kind = KIND_NAMES[Object.keys(part)[0] as keyof BatchBody] ?? 'body'
      throw new IngestError(
        413,
        'batch_too_large',
        `${kind}: a batch of this request is over the hub's limits (${err.message}); send fewer or smaller records per request`,
      )
    }
  }
}
