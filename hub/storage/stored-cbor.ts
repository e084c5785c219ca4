import { Decoder, Encoder } from 'cbor-x'

// Structured values the metric store keeps (series definitions, dedup marks, counters) as plain CBOR maps:
// no record extension, so a row reads back without the encoder's state. The options are fixed, so one
// encoder/decoder pair serves every store (they hold no per-value state).
const encoder = new Encoder({ useRecords: false, mapsAsObjects: true })
const decoder = new Decoder({ useRecords: false, mapsAsObjects: true })

export function encodeStored(value: unknown): Uint8Array {
  // cbor-x returns a view into its own buffer; later encodes write past it, never over it.
  return encoder.encode(value)
}

export function decodeStored<T>(bytes: Uint8Array): T {
  return decoder.decode(bytes) as T
}
