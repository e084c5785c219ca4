import { executionError } from './errors.js'
import { compileAnchored, expandTemplate } from './regex.js'
import { labelsKey, SeriesCollector, type Labels, type StepSeries, type Value } from './values.js'

// label_replace and label_join: new labels per series (the metric name kept), an empty result deleting the label.

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function relabel(series: StepSeries[], n: number, f: (labels: Labels) => Labels): Value {
  const out = new SeriesCollector(n)
  for (const s of series) {
    const labels = f(s.labels)
    const key = labelsKey(labels)
    for (let i = 0; i < n; i++) {
      if (!s.has[i]) continue
      if (out.hasAt(key, i)) throw executionError('vector cannot contain metrics with the same labelset')
      out.add(labels, key, i, s.vals[i])
    }
  }
  return { type: 'vector', series: out.series() }
}

function set(labels: Labels, name: string, value: string): Labels {
  const next = { ...labels }
  if (value === '') delete next[name]
  else next[name] = value
  return next
}

export function labelReplace(series: StepSeries[], n: number, dst: string, replacement: string, src: string, regex: string): Value {
  let re: RegExp
  try {
    re = compileAnchored(regex)
  } catch (err) {
    throw executionError(`invalid regular expression in label_replace(): ${regex}: ${(err as Error).message}`)
  }
  if (!LABEL_NAME.test(dst)) throw executionError(`invalid destination label name in label_replace(): ${dst}`)
  return relabel(series, n, (labels) => {
    const m = re.exec(labels[src] ?? '')
    return m ? set(labels, dst, expandTemplate(replacement, m)) : labels
  })
}

export function labelJoin(series: StepSeries[], n: number, dst: string, sep: string, srcs: string[]): Value {
  if (!LABEL_NAME.test(dst)) throw executionError(`invalid destination label name in label_join(): ${dst}`)
  for (const s of srcs) if (!LABEL_NAME.test(s)) throw executionError(`invalid source label name in label_join(): ${s}`)
  return relabel(series, n, (labels) => set(labels, dst, srcs.map((s) => labels[s] ?? '').join(sep)))
}
