// The http check: a request answered within the timeout with an expected status (and body). See README.md.
import * as z from 'zod'
import { durationMs } from '../../../kit/durations.js'
import { checked, OptionsError } from '../../../kit/options.js'
import type { HealthKindPlugin, HealthProbe, ProbeOutcome } from '../types.js'
import { describeFetchError, statusMatcher, type StatusMatcher } from './status.js'

/** Most of a response body read to match `bodyMatches`; the rest is not read. */
const MAX_BODY_BYTES = 1024 * 1024

const optionsSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  method: z.enum(['GET', 'HEAD', 'POST']).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  status: z
    .union([z.number().int().min(100).max(599), z.string(), z.array(z.union([z.number().int().min(100).max(599), z.string()])).min(1)])
    .default('200-399'),
  bodyMatches: z.string().optional(),
  degradedAbove: durationMs.optional(),
})

export interface HttpCheckOptions {
  url: string
  method: 'GET' | 'HEAD' | 'POST'
  headers: Record<string, string>
  expected: StatusMatcher
  bodyMatches?: RegExp
  degradedAboveMs?: number
}

export const httpOptions = checked(optionsSchema, (o): HttpCheckOptions => {
  const options: HttpCheckOptions = { url: o.url, method: o.method, headers: o.headers, expected: statusMatcher(o.status) }
  if (o.bodyMatches !== undefined) {
    try {
      options.bodyMatches = new RegExp(o.bodyMatches)
    } catch (err) {
      throw new OptionsError('bodyMatches', `not a valid regular expression: ${(err as Error).message}`)
    }
  }
  if (o.degradedAbove !== undefined) options.degradedAboveMs = o.degradedAbove
  return options
})

export function httpCheckPlugin(): HealthKindPlugin<typeof httpOptions> {
  return {
    name: 'http',
    description: 'an HTTP(S) request answers with an expected status and, optionally, body',
    options: httpOptions,
    create: (options) => new HttpProbe(options),
  }
}

export class HttpProbe implements HealthProbe {
  constructor(private readonly options: HttpCheckOptions) {}

  async probe(signal: AbortSignal): Promise<ProbeOutcome> {
    const { url, method, headers, expected, bodyMatches, degradedAboveMs } = this.options
    const started = performance.now()
    let response: Response
    try {
      response = await fetch(url, { method, headers, signal, redirect: 'follow' })
    } catch (err) {
      if (signal.aborted) throw err
      return { status: 'unhealthy', message: describeFetchError(err) }
    }
    if (!expected.matches(response.status)) {
      await response.body?.cancel()
      return { status: 'unhealthy', message: `HTTP ${response.status}, expected ${expected.text}` }
    }
    if (bodyMatches) {
      const body = await readCapped(response, MAX_BODY_BYTES)
      if (!bodyMatches.test(body)) return { status: 'unhealthy', message: `HTTP ${response.status}, body does not match /${bodyMatches.source}/` }
    } else {
      await response.body?.cancel()
    }
    const elapsed = Math.round(performance.now() - started)
    if (degradedAboveMs !== undefined && elapsed > degradedAboveMs) {
      return { status: 'degraded', message: `HTTP ${response.status} in ${elapsed} ms, slower than ${degradedAboveMs} ms` }
    }
    return { status: 'healthy', message: `HTTP ${response.status}` }
  }
}

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  while (size < maxBytes) {
    const { done, value } = await reader.read()
    if (done) break
    chunks.push(value)
    size += value.byteLength
  }
  await reader.cancel()
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8')
}
