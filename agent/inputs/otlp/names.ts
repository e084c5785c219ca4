import type { Labels } from '../../../protocol/batch.js'
import { isValidLabelName } from '../../../protocol/validate.js'
import { valueText } from './values.js'

// OTel names to Prometheus names (DESIGN §8), as docs/otlp.md's mapping table says. Units are not appended to the
// name; they travel as the series unit.

/** `http.server.duration` → `http_server_duration`: every character outside [a-zA-Z0-9_:] becomes `_`. */
export function metricName(otelName: string): string {
  const name = otelName.replace(/[^a-zA-Z0-9_:]/g, '_')
  return /^[0-9]/.test(name) ? `_${name}` : name
}

/** Monotonic counters end in `_total`, as Prometheus names them. */
export function counterName(otelName: string): string {
  const name = metricName(otelName)
  return name.endsWith('_total') ? name : `${name}_total`
}

/** `http.method` → `http_method`; names Prometheus reserves (leading digit or `__`) or that are prototype members get `key_`. */
export function labelName(key: string): string {
  const name = key.replace(/[^a-zA-Z0-9_]/g, '_')
  return isValidLabelName(name) ? name : `key_${name}`
}

/**
 * A data point's attributes as labels, plus `service` from the resource. An attribute that would land on a label
 * this input or the hub sets (`device`, `service`, and `le`/`quantile` given in `reserved`) is kept as
 * `exported_<name>`, as Prometheus does. Two keys that map to one name are joined with `;` in key order.
 */
export function pointLabels(attrs: Record<string, unknown>, service: string | undefined, reserved: readonly string[] = []): Labels {
  const labels: Labels = {}
  const taken = new Set(['device', ...reserved, ...(service === undefined ? [] : ['service'])])
  for (const key of Object.keys(attrs).sort()) {
    let name = labelName(key)
    if (taken.has(name)) name = `exported_${name}`
    const text = valueText(attrs[key])
    labels[name] = name in labels ? `${labels[name]};${text}` : text
  }
  if (service !== undefined) labels.service = service
  return labels
}

/** A bucket bound or quantile as a label value: `+Inf`, or the shortest decimal that reads back as the number. */
export function boundLabel(bound: number): string {
  if (bound === Infinity) return '+Inf'
  if (bound === -Infinity) return '-Inf'
  return String(bound)
}
