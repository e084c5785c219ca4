import type { Labels } from '../../protocol/batch.js'

const PLACEHOLDER = /\{\{\s*(device|value|rule|labels\.[A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g

/** Fills `{{device}}`, `{{value}}`, `{{rule}}` and `{{labels.NAME}}`; plain substitution, never evaluation. */
export function renderTemplate(template: string, vars: { device: string; value: number | string | null; rule: string; labels: Labels }): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    if (name === 'device') return vars.device
    if (name === 'rule') return vars.rule
    if (name === 'value') return formatValue(vars.value)
    return vars.labels[name.slice('labels.'.length)] ?? ''
  })
}

export function renderAll(templates: Record<string, string>, vars: Parameters<typeof renderTemplate>[1]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(templates)) out[k] = renderTemplate(v, vars)
  return out
}

function formatValue(value: number | string | null): string {
  if (value === null) return ''
  if (typeof value === 'string') return value
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)))
}
