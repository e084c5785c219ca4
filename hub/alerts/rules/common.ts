// The fields every rule kind shares (DESIGN §10), for the kinds' schemas in rules/<kind>/schema.ts.
import { z } from 'zod'
import { durationMs as positiveDuration, durationMsOrZero } from '../../../kit/durations.js'
import { isValidDeviceId } from '../../../protocol/ids.js'

export const AGGS = ['avg', 'min', 'max', 'sum', 'count', 'last', 'rate', 'p50', 'p90', 'p95', 'p99'] as const
export const OPS = ['>', '>=', '<', '<=', '==', '!='] as const
export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const
export type Op = (typeof OPS)[number]
export type Severity = (typeof SEVERITIES)[number]

/** `2m`, `500ms`, `1h`, or whole ms; 0 allowed (no wait). */
export const durationMs = durationMsOrZero
/** A window: a duration greater than 0. */
export { positiveDuration }

const id = z.string().refine(isValidDeviceId, 'must match [A-Za-z0-9._-]{1,64} and not be a reserved name')
const labelMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'label names match [A-Za-z_][A-Za-z0-9_]*'), z.string())

/** Fields of every kind: identity, devices, timing of notifications, labels. */
export const common = {
  id,
  description: z.string().max(1000).optional(),
  /** Devices the rule applies to: an exact id or a glob with `*` and `?`. */
  device: z.string().regex(/^[A-Za-z0-9._*?-]{1,64}$/, 'an exact device id or a glob with * and ?').default('*'),
  for: durationMs.default(0),
  keepFiringFor: durationMs.optional(),
  severity: z.enum(SEVERITIES).default('medium'),
  labels: labelMap.default({}),
  annotations: z.record(z.string(), z.string().max(2000)).default({}),
  repeatInterval: durationMs.default(4 * 3_600_000),
  groupWait: durationMs.default(0),
  enabled: z.boolean().default(true),
}

/** Fields of the kinds that compare a value with a threshold (clearThreshold: hysteresis, checked by rule-schema). */
export const compared = {
  op: z.enum(OPS),
  threshold: z.number(),
  clearThreshold: z.number().optional(),
}

export const groupBy = z.array(z.string().min(1)).min(1).default(['device'])
