// The one size parser of every plugin option and setting: `256MiB`, `10MB`, `4096` (bytes).
import * as z from 'zod'

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 }

/** Bytes for `256MiB`, `10MB`, `1.5GiB`, `4096` or a number; undefined when it is none of those. */
export function parseBytes(input: number | string): number | undefined {
  const m = typeof input === 'number' ? [String(input), String(input), 'b'] : /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(input.trim())
  const unit = UNITS[(m?.[2] || 'b').toLowerCase()]
  if (!m || unit === undefined || !Number.isFinite(Number(m[1])) || Number(m[1]) < 0) return undefined
  return Math.floor(Number(m[1]) * unit)
}

/** A size greater than 0, in bytes. */
export const size = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = parseBytes(v)
  if (n === undefined || n <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a size such as 256MiB, 10MB or a number of bytes' })
    return z.NEVER
  }
  return n
})

/** A size, or 0 to mean "no limit". */
export const sizeOrZero = z.union([z.literal(0), z.literal('0'), size]).transform((v) => (v === '0' ? 0 : v))

/** `512 B`, `1.5 KiB`, `3.2 GiB`: for messages. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let i = 0
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024
    i++
  }
  return `${i === 0 ? value : value.toFixed(1)} ${units[i]}`
}
