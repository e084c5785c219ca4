import { PromError } from './errors.js'
import { parseDurationMs } from './literals.js'

// Request parameters as Prometheus's API reads them (web/api/v1/api.go parseTime, parseDuration): times are
// Unix seconds (fractions allowed) or RFC 3339; durations are seconds or Prometheus durations (`15s`, `1m`).

const bad = (name: string, message: string) => new PromError('bad_data', `invalid parameter ${JSON.stringify(name)}: ${message}`)

export function parseTimeParam(params: URLSearchParams, name: string, fallback: number): number {
  const text = params.get(name)
  if (text === null || text === '') return fallback
  const n = Number(text)
  if (text.trim() !== '' && Number.isFinite(n)) return Math.round(n * 1000)
  const ms = Date.parse(text)
  if (/^\d{4}-\d{2}-\d{2}T/.test(text) && Number.isFinite(ms)) return ms
  // Prometheus's own spellings of its minimum and maximum times (what promtool and clients send for "all").
  if (text === '-292273086-05-16T16:47:06Z') return -8.64e15
  if (text === '292277025-08-18T07:12:54.999999999Z') return 8.64e15
  throw bad(name, `cannot parse ${JSON.stringify(text)} to a valid timestamp`)
}

export function parseDurationParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name)
  if (text === null || text === '') return undefined
  const n = Number(text)
  if (Number.isFinite(n)) return Math.round(n * 1000)
  const ms = parseDurationMs(text)
  if (ms === undefined) throw bad(name, `cannot parse ${JSON.stringify(text)} to a valid duration`)
  return ms
}

/** GET's query string and a POST's form body together, as Go's Request.FormValue sees them (body first). */
export async function requestParams(req: Request): Promise<URLSearchParams> {
  // The query string alone, as URL.searchParams would give it: parsing the whole URL again costs more than it.
  const url = req.url
  const at = url.indexOf('?')
  const hash = url.indexOf('#', at)
  const query = new URLSearchParams(at < 0 || (hash >= 0 && hash < at) ? '' : url.slice(at + 1, hash < 0 ? undefined : hash))
  if (req.method !== 'POST') return query
  const type = req.headers.get('content-type') ?? ''
  const merged = new URLSearchParams()
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(await req.text())) merged.append(k, v)
  } else if (type.startsWith('multipart/form-data')) {
    const form = await req.formData()
    for (const [k, v] of form) if (typeof v === 'string') merged.append(k, v)
  }
  for (const [k, v] of query) merged.append(k, v)
  return merged
}
