import * as z from 'zod'
import { OptionsError, firstIssue } from '../../kit/options.js'
import { durationMs } from '../../kit/durations.js'

const head = z.strictObject({
  /** Share of traces kept, decided from the trace id so every agent and every span of a trace agree. */
  probability: z.number().min(0).max(1).default(1),
  /** At most this many new traces per second per service kept by the head decision (0: no limit). */
  ratePerSecond: z.number().min(0).default(0),
})

const samplingSchema = z.strictObject({
  head: head.prefault({}),
  /** Per-service head settings, replacing `head` for that service. */
  services: z.record(z.string().min(1), head).default({}),
  tail: z
    .strictObject({
      /** Keep every trace with a span whose status is error. */
      keepErrors: z.boolean().default(true),
      /** Keep every trace with a span at least this long (0: off). */
      slowerThan: durationMs.or(z.literal(0)).default(0),
      /** How long spans the head dropped are held, in case a later span of their trace is an error or slow. */
      wait: durationMs.default(10_000),
      /** Traces held at once; past it the oldest are dropped for good. */
      maxTraces: z.number().int().positive().default(10_000),
    })
    .prefault({}),
})

export type SamplingOptions = z.output<typeof samplingSchema>

/** Checks the `sampling` section (docs/agent.md); throws OptionsError naming e.g. `sampling.head.probability`. */
export function parseSamplingOptions(raw: unknown): SamplingOptions {
  const parsed = samplingSchema.safeParse(raw ?? {})
  if (parsed.success) return parsed.data
  const { key, reason } = firstIssue(parsed.error)
  throw new OptionsError(key ? `sampling.${key}` : 'sampling', reason)
}
