// Label regexes are Go RE2, fully anchored (`^(?:re)$`, as Prometheus's matchers and label_replace). The RE2
// syntax Grafana and people write maps onto JavaScript's: a leading `(?i)` becomes the `i` flag, `(?P<n>…)` a
// named group. RE2 has no backreferences or lookaround, so a valid RE2 regex means the same here.

export function compileAnchored(re: string): RegExp {
  let flags = 'u'
  let source = re
  const lead = /^\(\?([imsU]+)\)/.exec(source)
  if (lead) {
    if (lead[1].includes('i')) flags += 'i'
    if (lead[1].includes('s')) flags += 's'
    if (lead[1].includes('m')) flags += 'm'
    source = source.slice(lead[0].length)
  }
  source = source.replace(/\(\?P</g, '(?<').replace(/\\z/g, '$')
  return new RegExp(`^(?:${source})$`, flags)
}

/** Go's regexp.Expand for label_replace's replacement: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
export function expandTemplate(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_all, dollar: string, braced?: string, bare?: string) => {
    if (dollar === '$') return '$'
    const name = braced ?? bare ?? ''
    if (/^\d+$/.test(name)) return match[Number(name)] ?? ''
    return match.groups?.[name] ?? ''
  })
}
