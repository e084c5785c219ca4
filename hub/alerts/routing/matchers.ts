// Issue 17: Alertmanager's label matchers (prometheus.io/docs/alerting/latest/configuration/#matcher):
// `name=value`, `name!=value`, `name=~regex`, `name!~regex`; a value may be double-quoted; regexes are anchored.
import { OptionsError } from '../../../kit/options.js'
import type { AlertMessage } from '../types.js'

export interface Matcher {
  name: string
  op: '=' | '!=' | '=~' | '!~'
  value: string
  re?: RegExp
  source: string
}

const MATCHER = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/

export function parseMatcher(source: string, key: string): Matcher {
  const m = MATCHER.exec(source)
  if (!m) throw new OptionsError(key, `bad matcher ${JSON.stringify(source)}: expected name=value, name!=value, name=~regex or name!~regex`)
  const [, name, op, rawValue] = m
  let value = rawValue
  if (!value.startsWith('"') && /^[=~!]|"/.test(value)) throw new OptionsError(key, `bad matcher ${JSON.stringify(source)}: unexpected ${JSON.stringify(value[0] === '"' ? '"' : value.match(/^[=~!]|"/)![0])} in the value`)
  if (value.startsWith('"')) {
    try {
      value = JSON.parse(value) as string
    } catch {
      throw new OptionsError(key, `bad matcher ${JSON.stringify(source)}: unterminated quoted value`)
    }
  }
  const matcher: Matcher = { name, op: op as Matcher['op'], value, source }
  if (op === '=~' || op === '!~') {
    try {
      matcher.re = new RegExp(`^(?:${value})$`)
    } catch (err) {
      throw new OptionsError(key, `bad matcher ${JSON.stringify(source)}: ${(err as Error).message}`)
    }
  }
  return matcher
}

export function parseMatchers(sources: readonly string[] | undefined, key: string): Matcher[] {
  return (sources ?? []).map((s, i) => parseMatcher(s, `${key}[${i}]`))
}

/** An unset label reads as the empty string (as in Alertmanager: `team=""` matches alerts without a team). */
export function matches(matchers: readonly Matcher[], labels: Record<string, string>): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? ''
    if (m.op === '=') return v === m.value
    if (m.op === '!=') return v !== m.value
    if (m.op === '=~') return m.re!.test(v)
    return !m.re!.test(v)
  })
}

/** What routes and inhibit rules match on: the alert's labels plus rule, device, severity (and alertname = rule). */
export function routingLabels(a: Pick<AlertMessage, 'labels' | 'rule' | 'device' | 'severity'>): Record<string, string> {
  return { alertname: a.rule, ...a.labels, rule: a.rule, device: a.device, severity: a.severity }
}
