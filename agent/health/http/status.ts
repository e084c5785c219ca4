import { OptionsError } from '../../../kit/options.js'

/** Which HTTP statuses count as healthy; `text` says so in messages ("200-399", "200, 204"). */
export interface StatusMatcher {
  matches(status: number): boolean
  text: string
}

const RANGE = /^([1-5]\d\d)\s*-\s*([1-5]\d\d)$/
const CLASS = /^([1-5])xx$/i

/** `status:` as `200`, `"200-299"`, `"2xx"`, or a list of those. Throws OptionsError keyed `status`/`status[i]`. */
export function statusMatcher(spec: number | string | Array<number | string>): StatusMatcher {
  const items = Array.isArray(spec) ? spec : [spec]
  const ranges = items.map((item, i) => parseItem(item, Array.isArray(spec) ? `status[${i}]` : 'status'))
  return {
    matches: (status) => ranges.some(([lo, hi]) => status >= lo && status <= hi),
    text: items.map(String).join(', '),
  }
}

function parseItem(item: number | string, key: string): [number, number] {
  if (typeof item === 'number') return [item, item]
  const text = item.trim()
  if (/^[1-5]\d\d$/.test(text)) return [Number(text), Number(text)]
  const cls = CLASS.exec(text)
  if (cls) return [Number(cls[1]) * 100, Number(cls[1]) * 100 + 99]
  const range = RANGE.exec(text)
  if (range && Number(range[1]) <= Number(range[2])) return [Number(range[1]), Number(range[2])]
  throw new OptionsError(key, `expected a status such as 200, "2xx" or "200-399", got ${JSON.stringify(item)}`)
}

/** fetch wraps the reason in `cause` ("fetch failed" alone says nothing); surface the code, e.g. ECONNREFUSED. */
export function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause
  if (cause?.code) return `request failed: ${cause.code}${cause.message ? ` (${cause.message})` : ''}`
  if (cause?.message) return `request failed: ${cause.message}`
  return `request failed: ${err instanceof Error ? err.message : String(err)}`
}
