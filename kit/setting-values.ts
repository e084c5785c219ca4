import ms from 'ms'
import { z } from 'zod'

// Value parsers of the hub's and agent's settings (hub/settings.ts, cli/settings.ts); each accepts the string form an
// env var or flag gives.

export const port = z.coerce.number().int('must be an integer').min(0).max(65535, 'must be a port 0-65535')

export const positiveInt = z.coerce.number().int('must be an integer').positive('must be > 0')

export const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v)),
])

/** `10s`, `5m`, `1h`, or a number of ms. */
export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const n = typeof v === 'number' ? v : /^\d+$/.test(v) ? Number(v) : ms(v as ms.StringValue)
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    ctx.addIssue({ code: 'custom', message: 'expected a duration such as 10s, 5m, 1h or a number of ms' })
    return z.NEVER
  }
  return n
})

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 }

/** `256MiB`, `10MB`, `4096`. */
export const size = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const m = typeof v === 'number' ? [String(v), String(v), 'b'] : /^(\d+(?:\.\d+)?)\s*([a-zA-Z]*)$/.exec(v.trim())
  const unit = SIZE_UNITS[(m?.[2] || 'b').toLowerCase()]
  if (!m || unit === undefined || !(Number(m[1]) > 0)) {
    ctx.addIssue({ code: 'custom', message: 'expected a size such as 256MiB, 10MB or a number of bytes' })
    return z.NEVER
  }
  return Math.floor(Number(m[1]) * unit)
})

export const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected HOST:PORT')

const MQTT_URL = /^mqtts?:\/\/[^\s/,]+(:\d+)?\/?$/
export const mqttUrl = z.string().regex(MQTT_URL, 'expected mqtt://HOST:PORT or mqtts://HOST:PORT')

/** One hub URL or several, comma-separated (the agent's `--hub`). */
export const mqttUrls = z
  .string()
  .transform((v) => v.split(',').map((u) => u.trim()).filter(Boolean).join(','))
  .refine((v) => v !== '' && v.split(',').every((u) => MQTT_URL.test(u)), 'expected mqtt://HOST:PORT or mqtts://HOST:PORT, or several comma-separated')

export const redisUrl = z.string().regex(/^rediss?:\/\/([^\s@/]+@)?[^\s@/]+(:\d+)?(\/\d+)?$/, 'expected redis://HOST:PORT (or redis://USER:PASSWORD@HOST:PORT/DB)')

/** A size, or 0 to mean "no limit". */
export const sizeOrZero = z.union([z.literal(0), z.literal('0'), size]).transform((v) => (v === '0' ? 0 : v))
