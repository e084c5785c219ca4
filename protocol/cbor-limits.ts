import { DecodeError } from './errors.js'

// DESIGN §4: decoding enforces size, depth and count limits. cbor-x has no depth limit and keeps its count
// limits in module state, so every payload is walked here first: headers only, no values allocated.

export interface DecodeLimits {
  /** Largest payload accepted, in bytes. */
  maxBytes: number
  /** Deepest nesting of arrays and maps; the top-level item is at depth 1. */
  maxDepth: number
  /** Most data items in the payload (a map entry counts its key and its value). */
  maxItems: number
}

export const DEFAULT_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxBytes: 1_048_576,
  maxDepth: 16,
  maxItems: 2_000_000,
})

const MAJOR_NAMES = ['unsigned integer', 'negative integer', 'byte string', 'text string', 'array', 'map', 'tag', 'simple']
const SIMPLE_FALSE = 20
const SIMPLE_UNDEFINED = 23

function malformed(message: string): never {
  throw new DecodeError('malformed', message)
}

/**
 * Checks that `bytes` hold exactly one well-formed CBOR data item within `limits`, without decoding it.
 * Refuses indefinite lengths, tags and unassigned simple values (Outpost uses none), map keys that are not
 * text strings, any length that could not fit in the bytes left, truncation and trailing bytes.
 */
export function scanCbor(bytes: Uint8Array, limits: DecodeLimits): void {
  const end = bytes.length
  if (end > limits.maxBytes) {
    throw new DecodeError('too_large', `payload is ${end} bytes, limit is ${limits.maxBytes}`)
  }
  if (end === 0) malformed('empty payload: expected one CBOR data item')

  // One frame per open container: items still to read, and whether it is a map (keys at even counts).
  const remaining: number[] = []
  const isMap: boolean[] = []
  let open = 0
  let items = 0
  let pos = 0

  for (;;) {
    if (pos >= end) malformed(`truncated: expected a data item at byte ${pos}, payload ends at ${end}`)
    const start = pos
    const initial = bytes[pos++]
    const major = initial >> 5
    const info = initial & 0x1f
    const keyExpected = open > 0 && isMap[open - 1] && remaining[open - 1] % 2 === 0
    if (keyExpected && major !== 3) {
      malformed(`map key at byte ${start} must be a text string, found ${MAJOR_NAMES[major]}`)
    }

    let arg = info
    if (info >= 24) {
      if (info > 27) {
        if (info === 31) malformed(`indefinite-length or break byte 0x${initial.toString(16)} at byte ${start} is not allowed`)
        malformed(`reserved additional information ${info} at byte ${start}`)
      }
      const size = 1 << (info - 24) // 1, 2, 4 or 8 bytes follow
      if (size > end - pos) malformed(`truncated: ${MAJOR_NAMES[major]} header at byte ${start} needs ${size} more bytes`)
      arg = 0
      // Multiplication keeps 8-byte arguments exact up to 2^53 and only approximate above, which is enough to
      // compare them with the bytes left.
      for (let b = 0; b < size; b++) arg = arg * 256 + bytes[pos + b]
      pos += size
    }

    if (++items > limits.maxItems) {
      throw new DecodeError('too_many_items', `more than ${limits.maxItems} data items (at byte ${start})`)
    }

    let children = 0
    switch (major) {
      case 0:
      case 1:
        break
      case 2:
      case 3:
        if (arg > end - pos) {
          malformed(`${MAJOR_NAMES[major]} at byte ${start} declares ${arg} bytes but only ${end - pos} remain`)
        }
        pos += arg
        break
      case 4:
      case 5: {
        children = major === 5 ? arg * 2 : arg
        // Every child takes at least one byte, so a count above the bytes left is a lie (or a memory bomb).
        if (children > end - pos) {
          const what = major === 5 ? `${arg} entries (${children} items)` : `${arg} items`
          malformed(`${MAJOR_NAMES[major]} at byte ${start} declares ${what} but only ${end - pos} bytes remain`)
        }
        if (items + children > limits.maxItems) {
          throw new DecodeError(
            'too_many_items',
            `${MAJOR_NAMES[major]} at byte ${start} declares ${children} items; limit is ${limits.maxItems} in all`,
          )
        }
        if (open + 1 > limits.maxDepth) {
          throw new DecodeError('too_deep', `${MAJOR_NAMES[major]} at byte ${start} nests deeper than ${limits.maxDepth}`)
        }
        break
      }
      case 6:
        malformed(`tag ${arg} at byte ${start} is not allowed`)
      default:
        // Major 7: false, true, null, undefined and floats (their bytes were consumed as the argument above).
        if (info < 24 && (info < SIMPLE_FALSE || info > SIMPLE_UNDEFINED)) {
          malformed(`unassigned simple value ${info} at byte ${start}`)
        }
        if (info === 24) malformed(`simple value ${arg} at byte ${start} is not allowed`)
    }

    if (open > 0) remaining[open - 1]--
    if (children > 0) {
      remaining[open] = children
      isMap[open] = major === 5
      open++
    }
    while (open > 0 && remaining[open - 1] === 0) open--
    if (open === 0) break
  }

  if (pos !== end) malformed(`${end - pos} trailing bytes after the top-level item, from byte ${pos}`)
}
