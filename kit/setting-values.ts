import { z } from 'zod'

// Value parsers of the hub's and agent's settings (hub/settings.ts, cli/settings.ts); each accepts the string form an
// env var or flag gives.

export const port = z.coerce.number().int('must be an integer').min(0).max(65535, 'must be a port 0-65535')

export const positiveInt = z.coerce.number().int('must be an integer').positive('must be > 0')

export const bool = z.union([
  z.boolean(),
  z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => ['true', '1', 'yes'].includes(v)),
])

// Durations and sizes are the one parser every plugin option uses too (kit/durations.ts, kit/sizes.ts).
export { durationMs as duration } from './durations.js'
export { size, sizeOrZero } from './sizes.js'

export const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'expected HOST:PORT')

const MQTT_URL = /^mqtts?:\/\/[^\s/,]+(:\d+)?\/?$/
export const mqttUrl = z.string().regex(MQTT_URL, 'expected mqtt://HOST:PORT or mqtts://HOST:PORT')

/** One hub URL or several, comma-separated (the agent's `--hub`). */
export const mqttUrls = z
  .string()
  .transform((v) => v.split(',').map((u) => u.trim()).filter(Boolean).join(','))
  .refine((v) => v !== '' && v.split(',').every((u) => MQTT_URL.test(u)), 'expected mqtt://HOST:PORT or mqtts://HOST:PORT, or several comma-separated')

export const postgresUrl = z.string().regex(/^postgres(ql)?:\/\/([^\s@/]+@)?[^\s@/]+(:\d+)?\/[^\s/?]+(\?\S*)?$/, 'expected postgres://USER@HOST:PORT/DB (or postgres://USER:PASSWORD@HOST:PORT/DB?sslmode=require)')

export const redisUrl = z.string().regex(/^rediss?:\/\/([^\s@/]+@)?[^\s@/]+(:\d+)?(\/\d+)?$/, 'expected redis://HOST:PORT (or redis://USER:PASSWORD@HOST:PORT/DB)')
