import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { AlertConfigError, parseRule, type Rule } from './rule-schema.js'

/**
 * Reads a rules file (`--rules`): a YAML list of rules as in DESIGN §10, like a Prometheus rule file. Throws an
 * Error naming the file, the rule's index and the field.
 */
export function loadRulesFile(path: string): Rule[] {
  let doc: unknown
  try {
    doc = parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new AlertConfigError(`rules file ${path}: ${(err as Error).message}`)
  }
  if (doc === null || doc === undefined) return []
  if (!Array.isArray(doc)) throw new AlertConfigError(`rules file ${path}: expected a YAML list of rules`)
  const seen = new Set<string>()
  return doc.map((raw, i) => {
    let rule: Rule
    try {
      rule = parseRule(raw, `[${i}]`)
    } catch (err) {
      throw new AlertConfigError(`rules file ${path}: ${(err as Error).message}`)
    }
    if (seen.has(rule.id)) throw new AlertConfigError(`rules file ${path}: [${i}].id: duplicate id "${rule.id}"`)
    seen.add(rule.id)
    return rule
  })
}
