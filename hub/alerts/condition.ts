import type { Op } from './rules/common.js'

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
  return { active, cleared: isCleared(value, active, rule) }
}

/** The clear condition alone, given the firing one (judge without its object, for the per-sample path). */
export function isCleared(value: number, active: boolean, rule: { op: Op; clearThreshold?: number }): boolean {
  const c = rule.clearThreshold
  if (c === undefined) return !active
  return rule.op === '>' || rule.op === '>=' ? value < c : value > c
}
