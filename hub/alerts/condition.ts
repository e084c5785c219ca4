import type { Op } from './rule-schema.js'

export function compare(value: number, op: Op, threshold: number): boolean {
  switch (op) {
    case '>':
      return value > threshold
    case '>=':
      return value >= threshold
    case '<':
      return value < threshold
    case '<=':
      return value <= threshold
    case '==':
      return value === threshold
    case '!=':
      return value !== threshold
  }
}

/**
 * The firing and clear conditions of a compared value. With `clearThreshold` (hysteresis, DESIGN §10) a firing
 * alert resolves only once the value is beyond it: below it for `>`/`>=`, above it for `<`/`<=`.
 */
export function judge(value: number, rule: { op: Op; threshold: number; clearThreshold?: number }): { active: boolean; cleared: boolean } {
  const active = compare(value, rule.op, rule.threshold)
  if (rule.clearThreshold === undefined) return { active, cleared: !active }
  const c = rule.clearThreshold
  const cleared = rule.op === '>' || rule.op === '>=' ? value < c : value > c
  return { active, cleared }
}
