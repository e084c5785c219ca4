// SQL text for key ranges: keyset pagination over the primary key (`WHERE k > $last ORDER BY k LIMIT n`).
import type { KeyRange } from './keys.js'

/** ` WHERE …` for a range on column k (empty when unbounded), with its parameters from $start. */
export function rangeWhere(range: KeyRange, start = 1): { where: string; values: Buffer[] } {
  const parts: string[] = []
  const values: Buffer[] = []
  const add = (op: string, value: Buffer) => {
    values.push(value)
    parts.push(`k ${op} $${start + values.length - 1}`)
  }
  if (range.gte) add('>=', range.gte)
  else if (range.gt) add('>', range.gt)
  if (range.lte) add('<=', range.lte)
  else if (range.lt) add('<', range.lt)
  return { where: parts.length > 0 ? ` WHERE ${parts.join(' AND ')}` : '', values }
}
