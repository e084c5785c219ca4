import { OptionsError } from '../../../kit/options.js'

/** A free-space threshold: a share of the filesystem (`10%`) or an amount (`5GiB`, `500MB`, bytes as a number). */
export interface Threshold {
  unit: 'percent' | 'bytes'
  value: number
  text: string
}

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 }

export function parseThreshold(input: number | string, key: string): Threshold {
  if (typeof input === 'number') return { unit: 'bytes', value: input, text: formatBytes(input) }
  const text = input.trim()
  const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text)
  if (percent) {
    const value = Number(percent[1])
    if (value > 100) throw new OptionsError(key, `a percentage must be 0-100%, got ${JSON.stringify(input)}`)
    return { unit: 'percent', value, text: `${value}%` }
  }
  const size = /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(text)
  const unit = size ? UNITS[(size[2] || 'b').toLowerCase()] : undefined
  if (!size || unit === undefined) {
    throw new OptionsError(key, `expected a percentage such as "10%" or a size such as "5GiB", got ${JSON.stringify(input)}`)
  }
  const value = Math.floor(Number(size[1]) * unit)
  return { unit: 'bytes', value, text: formatBytes(value) }
}

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
