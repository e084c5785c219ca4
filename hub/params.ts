// Query-parameter helpers every signal's API shares (DESIGN §7): each refusal is a QueryError naming the parameter.
import { badParameter, QueryError } from './metrics/query/errors.js'

/** The parameter's value; given twice it is an error rather than a guess at which one was meant. */
export function single(params: URLSearchParams, name: string): string | undefined {
  const values = params.getAll(name)
  if (values.length > 1) throw badParameter(name, values.join(','), 'given more than once')
  return values[0]
}

/** Refuses any parameter not in `allowed` (or accepted by `alsoAllowed`), listing what the route takes. */
export function assertKnown(params: URLSearchParams, allowed: readonly string[], alsoAllowed: (key: string) => boolean = () => false): void {
  for (const key of new Set(params.keys())) {
    if (allowed.includes(key) || alsoAllowed(key)) continue
    const expected = allowed.length > 0 ? `expected ${allowed.join(', ')}` : 'this route takes none'
    throw new QueryError('unknown_parameter', `unknown query parameter ${JSON.stringify(key)}; ${expected}`, key)
  }
}

/** `limit` as a whole number from 1 to `max`, `fallback` when absent. */
export function readLimit(params: URLSearchParams, fallback: number, max: number): number {
  const input = single(params, 'limit')
  if (input === undefined) return fallback
  const limit = /^\d{1,7}$/.test(input) ? Number(input) : NaN
  if (!(limit >= 1 && limit <= max)) throw badParameter('limit', input, `expected a whole number from 1 to ${max}`)
  return limit
}
