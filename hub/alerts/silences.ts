import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import type { Labels } from '../../protocol/batch.js'
import { durationMs, fieldError } from './rule-schema.js'
import type { AlertRecord } from './types.js'

/** A silence mutes notifications of matching alerts until it expires (Alertmanager's model). */
export interface Silence {
  id: string
  /** Every matcher must hold; keys are alert labels plus `rule`, `device`, `severity`; values exact or `*`/`?` globs. */
  matchers: Labels
  reason: string
  author: string
  createdAt: number
  startsAt: number
  expiresAt: number
}

export const silenceInput = z
  .object({
    matchers: z.record(z.string().min(1), z.string().min(1)).refine((m) => Object.keys(m).length > 0, 'at least one matcher is needed'),
    reason: z.string().min(1).max(1000),
    startsAt: z.number().int().nonnegative().optional(),
    /** Either an absolute end (ms since epoch) or a duration from the start. */
    expiresAt: z.number().int().positive().optional(),
    duration: durationMs.refine((n) => n > 0, 'must be greater than 0').optional(),
  })
  .strict()
  .refine((s) => (s.expiresAt === undefined) !== (s.duration === undefined), { message: 'give exactly one of expiresAt or duration', path: ['expiresAt'] })

export function parseSilence(input: unknown, author: string, now: number, id?: string): Silence {
  const parsed = silenceInput.safeParse(input)
  if (!parsed.success) throw fieldError(parsed.error)
  const s = parsed.data
  const startsAt = s.startsAt ?? now
  const expiresAt = s.expiresAt ?? startsAt + s.duration!
  if (expiresAt <= startsAt) throw fieldError(new z.ZodError([{ code: 'custom', path: ['expiresAt'], message: 'must be after startsAt', input: expiresAt }]))
  return { id: id ?? `s-${now.toString(36)}-${randomBytes(4).toString('hex')}`, matchers: s.matchers, reason: s.reason, author, createdAt: now, startsAt, expiresAt }
}

export function silenceActive(s: Silence, now: number): boolean {
  return s.startsAt <= now && now < s.expiresAt
}

function matches(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false
  if (!/[*?]/.test(pattern)) return pattern === value
  return new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$').test(value)
}

/** Ids of the active silences that match the alert. */
export function silencing(silences: Iterable<Silence>, alert: AlertRecord, now: number): string[] {
  const labels: Labels = { ...alert.labels, rule: alert.rule, device: alert.device, severity: alert.severity }
  const out: string[] = []
  for (const s of silences) {
    if (!silenceActive(s, now)) continue
    if (Object.entries(s.matchers).every(([k, v]) => matches(v, labels[k]))) out.push(s.id)
  }
  return out
}
