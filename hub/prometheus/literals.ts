// PromQL's literals as Prometheus reads them: numbers (decimal, hex, Inf, NaN), durations (`1h30m`, or seconds),
// and Go-quoted strings ("…" and '…' with escapes, `…` raw).

const UNIT_MS: Record<string, number> = { y: 365 * 86_400_000, w: 7 * 86_400_000, d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 }
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/

/** A duration literal in ms, or undefined when the text is not one. A plain number is seconds. */
export function parseDurationMs(text: string): number | undefined {
  const m = DURATION.exec(text)
  if (m && text !== '') {
    const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms']
    let ms = 0
    units.forEach((u, i) => {
      if (m[i + 1] !== undefined) ms += Number(m[i + 1]) * UNIT_MS[u]
    })
    return ms
  }
  const n = parseNumber(text)
  return n === undefined || !Number.isFinite(n) ? undefined : Math.round(n * 1000)
}

export function parseNumber(text: string): number | undefined {
  const t = text.replace(/_/g, '')
  if (/^[+-]?inf$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity
  if (/^[+-]?nan$/i.test(t)) return NaN
  if (/^[+-]?0x[0-9a-f]+$/i.test(t)) return (t.startsWith('-') ? -1 : 1) * parseInt(t.replace(/^[+-]?0x/i, ''), 16)
  if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return Number(t)
  const d = DURATION.exec(t)
  if (d && t !== '') return (parseDurationMs(t) ?? 0) / 1000
  return undefined
}

const SIMPLE_ESCAPES: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"', "'": "'" }

/** Go's strconv.Unquote for the three PromQL string forms; throws a message on a bad escape or unterminated string. */
export function unquote(text: string): string {
  const q = text[0]
  if (text.length < 2 || text[text.length - 1] !== q) throw new Error(`unterminated quoted string ${text}`)
  const body = text.slice(1, -1)
  if (q === '`') return body
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i]
    if (c !== '\\') {
      out += c
      continue
    }
    const e = body[++i]
    if (e in SIMPLE_ESCAPES) {
      if ((e === '"' && q === "'") || (e === "'" && q === '"')) throw new Error(`unknown escape sequence \\${e}`)
      out += SIMPLE_ESCAPES[e]
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8
      const hex = body.slice(i + 1, i + 1 + len)
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new Error(`invalid escape sequence \\${e}${hex}`)
      out += String.fromCodePoint(parseInt(hex, 16))
      i += len
    } else if (e !== undefined && e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3)
      if (!/^[0-7]{3}$/.test(oct)) throw new Error(`invalid escape sequence \\${oct}`)
      out += String.fromCharCode(parseInt(oct, 8))
      i += 2
    } else throw new Error(`unknown escape sequence \\${e ?? ''}`)
  }
  return out
}
