// The one duration parser of every plugin option, rule and setting: `500ms`, `30s`, `5m`, `1h`, or a number of ms.
import ms from 'ms'
import * as z from 'zod'

const MESSAGE = 'expected a duration such as 500ms, 30s, 5m, 1h or a number of ms'

/** ms for `500ms`, `30s`, `5m`, `1h`, `1d`, digits or a number; undefined when it is none of those or negative. */
export function parseDurationMs(input: number | string): number | undefined {
  const n = typeof input === 'number' ? input : /^\d+$/.test(input) ? Number(input) : (ms as (s: string) => number | undefined)(input)
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) return undefined
  return Math.round(n)
}

function durationSchema(allowZero: boolean) {
  return z.union([z.number(), z.string()]).transform((v, ctx) => {
    const n = parseDurationMs(v)
    if (n === undefined || (!allowZero && n <= 0)) {
      ctx.addIssue({ code: 'custom', message: allowZero ? MESSAGE : `${MESSAGE}, greater than 0` })
      return z.NEVER
    }
    return n
  })
}

/** A duration greater than 0, as whole ms. */
export const durationMs = durationSchema(false)

/** A duration, 0 allowed (no wait), as whole ms. */
export const durationMsOrZero = durationSchema(true)
