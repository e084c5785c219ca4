// The one time-key codec of the keyspace: fixed-width keys whose byte order is time order. Each table keeps the
// width it was created with (data on disk does not change); the widths are named here, once.

/** A biased hex layout: `value + 2^biasBits` in `digits` hex digits, so negative values sort before positive. */
export interface HexLayout {
  digits: number
  biasBits: number
}

/** ms since epoch, 16 hex digits biased by 2^63: log record ids, metric chunk windows. */
export const MS_64: HexLayout = { digits: 16, biasBits: 63 }
/** ms since epoch within ±2^53, 14 hex digits: span start times. */
export const MS_53: HexLayout = { digits: 14, biasBits: 53 }
/** UTC day numbers, 8 hex digits biased by 2^31: log index and error days. */
export const DAY_32: HexLayout = { digits: 8, biasBits: 31 }

/** `value` (a whole number within the layout's range) as a fixed-width hex key. */
export function hexKey(value: number, layout: HexLayout): string {
  // Readers build these keys for every row they fetch, so the usual case skips BigInt: a value below the bias's
  // leading hex digit is that digit followed by the value's own digits.
  const low = layout.biasBits - (layout.biasBits % 4)
  if (Number.isSafeInteger(value) && value >= 0 && value < 2 ** low) {
    return ((2 ** (layout.biasBits - low)).toString(16) + value.toString(16).padStart(low / 4, '0')).padStart(layout.digits, '0')
  }
  return (BigInt(value) + (1n << BigInt(layout.biasBits))).toString(16).padStart(layout.digits, '0')
}

/** The value of a key made by hexKey, read from the key's first `digits` characters. */
export function parseHexKey(key: string, layout: HexLayout): number {
  return Number(BigInt(`0x${key.slice(0, layout.digits)}`) - (1n << BigInt(layout.biasBits)))
}

/** A non-negative whole number in `digits` decimal digits: health, alert history and audit keys. */
export function decimalKey(value: number, digits: number): string {
  return value.toString().padStart(digits, '0')
}
