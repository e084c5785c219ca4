// Point-by-point comparison of two Prometheus API answers: same series (by labels), same times, values within a
// relative error of 1e-9 (NaN equals NaN, infinities equal themselves). Returns what differs, empty when equal.

type Point = [number, string]
interface Answer {
  resultType: string
  result: any
}

const key = (m: Record<string, string>) => JSON.stringify(Object.keys(m).sort().map((k) => [k, m[k]]))

function sameValue(a: string, b: string): boolean {
  if (a === b) return true
  const x = Number(a)
  const y = Number(b)
  if (Number.isNaN(x) || Number.isNaN(y) || !Number.isFinite(x) || !Number.isFinite(y)) return false
  return Math.abs(x - y) <= 1e-9 * Math.max(Math.abs(x), Math.abs(y))
}

function samePoints(a: Point[], b: Point[]): string | undefined {
  if (a.length !== b.length) return `${a.length} points vs ${b.length}: first times ${a[0]?.[0]} vs ${b[0]?.[0]}`
  for (let i = 0; i < a.length; i++) {
    if (a[i][0] !== b[i][0]) return `time ${a[i][0]} vs ${b[i][0]} at point ${i}`
    if (!sameValue(a[i][1], b[i][1])) return `value ${a[i][1]} vs ${b[i][1]} at ${a[i][0]}`
  }
  return undefined
}

export function compareAnswers(ours: Answer, theirs: Answer, ordered = false): string[] {
  if (ours.resultType !== theirs.resultType) return [`resultType ${ours.resultType} vs ${theirs.resultType}`]
  if (ours.resultType === 'scalar' || ours.resultType === 'string') {
    const d = samePoints([ours.result], [theirs.result])
    return d ? [d] : []
  }
  const mine = new Map<string, any>(ours.result.map((s: any) => [key(s.metric), s]))
  const other = new Map<string, any>(theirs.result.map((s: any) => [key(s.metric), s]))
  const problems: string[] = []
  for (const [k, s] of other) {
    const m = mine.get(k)
    if (!m) {
      problems.push(`missing series ${k}`)
      continue
    }
    const d = ours.resultType === 'vector' ? samePoints([m.value], [s.value]) : samePoints(m.values, s.values)
    if (d) problems.push(`${k}: ${d}`)
  }
  for (const k of mine.keys()) if (!other.has(k)) problems.push(`extra series ${k}`)
  if (ordered && problems.length === 0) {
    const a = ours.result.map((s: any) => s.value[1]).join(',')
    const b = theirs.result.map((s: any) => s.value[1]).join(',')
    if (a !== b) problems.push(`order of values ${a} vs ${b}`)
  }
  return problems.slice(0, 3)
}
