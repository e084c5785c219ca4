import parsePrometheusTextFormat from 'parse-prometheus-text-format'

/** One sample line of the text format, as the library tokenised it. */
export interface TextSample {
  name: string
  labels: Record<string, string>
  value: number
  /** The sample's own timestamp, when the exporter gave one. */
  ts?: number
}

export interface ParsedExposition {
  /** Declared type per family name, lower case. */
  types: Map<string, string>
  samples: TextSample[]
  /** Sample lines whose value is not a number. */
  badValues: number
}

/**
 * Parses the Prometheus text format with parse-prometheus-text-format. The library merges the samples of a labelled
 * histogram or summary into one and drops their labels, and loses a last line that has no newline; so it is run
 * twice: once as is, for the declared types, and once without `# TYPE` lines, where every sample name is an untyped
 * family of its own and comes back whole with its labels. Throws on a malformed line.
 */
export function parseExposition(text: string): ParsedExposition {
  const types = new Map<string, string>()
  for (const family of parsePrometheusTextFormat(text + '\n')) {
    if (!types.has(family.name) || family.type !== 'UNTYPED') types.set(family.name, family.type.toLowerCase())
  }
  const samples: TextSample[] = []
  let badValues = 0
  const untyped = text.replace(/^[ \t]*#[ \t]*TYPE[ \t].*$/gm, '') + '\n'
  for (const family of parsePrometheusTextFormat(untyped)) {
    for (const metric of family.metrics) {
      const value = parseValue(metric.value)
      if (value === undefined) {
        badValues++
        continue
      }
      const sample: TextSample = { name: family.name, labels: metric.labels ?? {}, value }
      if (metric.timestamp_ms !== undefined && Number.isSafeInteger(Number(metric.timestamp_ms))) sample.ts = Number(metric.timestamp_ms)
      samples.push(sample)
    }
  }
  return { types, samples, badValues }
}

/** A sample value: a float, or `+Inf`, `-Inf`, `NaN` as the format spells them. */
export function parseValue(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined
  if (raw === '+Inf' || raw === 'Inf') return Infinity
  if (raw === '-Inf') return -Infinity
  if (raw === 'NaN') return NaN
  const n = Number(raw)
  return raw.trim() !== '' && !Number.isNaN(n) ? n : undefined
}
