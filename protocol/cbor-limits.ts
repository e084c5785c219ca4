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

/** Total size of each initial byte that starts a number or a simple value, header included; 0 for the rest. */
const SCALAR_SIZE = new Uint8Array(256)
for (const major of [0x00, 0x20]) {
  SCALAR_SIZE.fill(1, major, major + 24)
  SCALAR_SIZE.set([2, 3, 5, 9], major + 24)
}
SCALAR_SIZE.fill(1, 0xf4, 0xf8) // false, true, null, undefined
SCALAR_SIZE.set([3, 5, 9], 0xf9) // float16, float32, float64

function malformed(message: string): never {
  throw new DecodeError('malformed', message)
}

// Cold paths, kept out of the scan loop so it stays small.
function refuseHeader(bytes: Uint8Array, start: number): never {
  const initial = bytes[start]
  const info = initial & 0x1f
  if (info === 31) malformed(`indefinite-length or break byte 0x${initial.toString(16)} at byte ${start} is not allowed`)
  if (info > 27) malformed(`reserved additional information ${info} at byte ${start}`)
  malformed(`truncated: ${MAJOR_NAMES[initial >> 5]} header at byte ${start} needs ${1 << (info - 24)} more bytes`)
}

function refuseSimple(info: number, arg: number, start: number): never {
  if (info === 24) malformed(`simple value ${arg} at byte ${start} is not allowed`)
  malformed(`unassigned simple value ${info} at byte ${start}`)
}

/**
 * Checks that `bytes` hold exactly one well-formed CBOR data item within `limits`, without decoding it.
 * Refuses indefinite lengths, tags and unassigned simple values (Outpost uses none), map keys that are not
 * text strings, any length that could not fit in the bytes left, truncation and trailing bytes.
 */
export function scanCbor(bytes: Uint8Array, limits: DecodeLimits): void {
  const { maxBytes, maxDepth, maxItems } = limits
  const end = bytes.length
  if (end > maxBytes) throw new DecodeError('too_large', `payload is ${end} bytes, limit is ${maxBytes}`)
  if (end === 0) malformed('empty payload: expected one CBOR data item')

  // One frame per open container: items still to read, and whether it is a map (a key comes at even counts).
  // Nesting can be no deeper than the payload is long, which bounds the stack whatever maxDepth says.
  const frames = Math.min(maxDepth, end) + 1
  const remaining = new Float64Array(frames)
  const isMap = new Uint8Array(frames)
  let open = 0
  let items = 0
  let pos = 0

  for (;;) {
    if (open > 0 && isMap[open - 1] === 0) {
      // Fast path for the metric columns, long arrays of numbers: a number opens nothing, so only the position
      // and the counts move.
      let left = remaining[open - 1]
      const before = left
      while (left > 0 && pos < end) {
        const size = SCALAR_SIZE[bytes[pos]]
        if (size === 0 || size > end - pos) break
        pos += size
        left--
      }
      // No maxItems check needed: these children were counted against it when their array's header was read.
      items += before - left
      remaining[open - 1] = left
      if (left === 0) {
        while (open > 0 && remaining[open - 1] === 0) open--
        if (open === 0) break
        continue
      }
    }

    if (pos >= end) malformed(`truncated: expected a data item at byte ${pos}, payload ends at ${end}`)
    const start = pos
    const initial = bytes[pos++]
    const major = initial >> 5
    const info = initial & 0x1f
    if (open > 0 && isMap[open - 1] === 1 && remaining[open - 1] % 2 === 0 && major !== 3) {
      malformed(`map key at byte ${start} must be a text string, found ${MAJOR_NAMES[major]}`)
    }

    let arg = info
    if (info >= 24) {
      if (info === 24 && pos < end) {
        arg = bytes[pos++]
      } else if (info === 25 && pos + 2 <= end) {
        arg = (bytes[pos] << 8) | bytes[pos + 1]
        pos += 2
      } else if (info === 26 && pos + 4 <= end) {
        arg = bytes[pos] * 0x1000000 + ((bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3])
        pos += 4
      } else if (info === 27 && pos + 8 <= end) {
        // Exact up to 2^53 and approximate above: enough to compare with the bytes left.
        const high = bytes[pos] * 0x1000000 + ((bytes[pos + 1] << 16) | (bytes[pos + 2] << 8) | bytes[pos + 3])
        const low = bytes[pos + 4] * 0x1000000 + ((bytes[pos + 5] << 16) | (bytes[pos + 6] << 8) | bytes[pos + 7])
        arg = high * 0x100000000 + low
        pos += 8
      } else {
        refuseHeader(bytes, start)
      }
    }

    if (++items > maxItems) throw new DecodeError('too_many_items', `more than ${maxItems} data items (at byte ${start})`)

    let children = 0
    if (major === 7) {
      // false, true, null, undefined and floats (whose bytes were consumed as the argument above)
      if (info < SIMPLE_FALSE || (info > SIMPLE_UNDEFINED && info < 25)) refuseSimple(info, arg, start)
    } else if (major === 2 || major === 3) {
      if (arg > end - pos) {
        malformed(`${MAJOR_NAMES[major]} at byte ${start} declares ${arg} bytes but only ${end - pos} remain`)
      }
      pos += arg
    } else if (major === 4 || major === 5) {
      children = major === 5 ? arg * 2 : arg
      // Every child takes at least one byte, so a count above the bytes left is a lie (or a memory bomb).
      if (children > end - pos) {
        const what = major === 5 ? `${arg} entries (${children} items)` : `${arg} items`
        malformed(`${MAJOR_NAMES[major]} at byte ${start} declares ${what} but only ${end - pos} bytes remain`)
      }
      if (items + children > maxItems) {
        throw new DecodeError(
          'too_many_items',
          `${MAJOR_NAMES[major]} at byte ${start} declares ${children} items; limit is ${maxItems} in all`,
        )
      }
      if (open >= maxDepth) {
        throw new DecodeError('too_deep', `${MAJOR_NAMES[major]} at byte ${start} nests deeper than ${maxDepth}`)
      }
    } else if (major === 6) {
      malformed(`tag ${arg} at byte ${start} is not allowed`)
    }

    if (open > 0) remaining[open - 1]--
    if (children > 0) {
      remaining[open] = children
      isMap[open] = major === 5 ? 1 : 0
      open++
    } else {
      while (open > 0 && remaining[open - 1] === 0) open--
      if (open === 0) break
    }
  }

  if (pos !== end) malformed(`${end - pos} trailing bytes after the top-level item, from byte ${pos}`)
}
