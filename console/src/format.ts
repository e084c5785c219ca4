const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']

export function fmtBytes(n: number, decimals?: number): string {
  let i = 0
  let v = Math.abs(n)
  while (v >= 1024 && i < UNITS.length - 1) {
    v /= 1024
    i++
  }
  const d = decimals ?? (v >= 100 || i === 0 ? 0 : v >= 10 ? 1 : 2)
  return `${n < 0 ? '-' : ''}${v.toFixed(d)} ${UNITS[i]}`
}

export function fmtNumber(n: number, decimals?: number): string {
  if (!Number.isFinite(n)) return String(n)
  if (decimals !== undefined) return n.toFixed(decimals)
  const a = Math.abs(n)
  if (a >= 1e9) return `${(n / 1e9).toFixed(1)}G`
  if (a >= 1e6) return `${(n / 1e6).toFixed(1)}M`
  if (a >= 1e4) return `${(n / 1e3).toFixed(1)}k`
  if (a >= 100 || Number.isInteger(n)) return n.toFixed(0)
  return n.toFixed(a >= 1 ? 2 : 3)
}

/** A value in a panel's or chart's unit: percent (0-1 ratios), bytes, bytes/s, s, ms, °C, or a free suffix. */
export function fmtValue(v: number | null | undefined, unit?: string, decimals?: number): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '–'
  switch (unit) {
    case 'percent':
      return `${(v * 100).toFixed(decimals ?? 1)}%`
    case 'bytes':
      return fmtBytes(v, decimals)
    case 'bytes/s':
      return `${fmtBytes(v, decimals)}/s`
    case 's':
      return fmtDuration(v * 1000)
    case 'ms':
      return fmtDuration(v)
    case 'celsius':
      return `${v.toFixed(decimals ?? 1)} °C`
    case undefined:
    case '':
    case 'short':
      return fmtNumber(v, decimals)
    default:
      return `${fmtNumber(v, decimals)} ${unit}`
  }
}

export function fmtDuration(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`
  const s = ms / 1000
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`
  return `${Math.floor(s / 86400)}d ${Math.round((s % 86400) / 3600)}h`
}

const pad = (n: number) => String(n).padStart(2, '0')

export function fmtTime(ms: number | null | undefined, withDate = true): string {
  if (ms === null || ms === undefined) return '–'
  const d = new Date(ms)
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  return withDate ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time
}

export function fmtAgo(ms: number | null | undefined, now = Date.now()): string {
  if (ms === null || ms === undefined) return 'never'
  const s = Math.max(0, (now - ms) / 1000)
  if (s < 5) return 'just now'
  if (s < 60) return `${Math.floor(s)}s ago`
  if (s < 3600) return `${Math.floor(s / 60)}m ago`
  if (s < 86400) return `${Math.floor(s / 3600)}h ago`
  return `${Math.floor(s / 86400)}d ago`
}

/** Axis labels that tell neighbouring ticks apart: the fewest decimals (from the default up to 4) that do. */
export function fmtTicks(vals: number[], unit?: string): string[] {
  let out = vals.map((v) => fmtValue(v, unit))
  for (let d = 1; d <= 4 && new Set(out).size < vals.length; d++) out = vals.map((v) => fmtValue(v, unit, unit === 'percent' ? d + 1 : d))
  return out
}
