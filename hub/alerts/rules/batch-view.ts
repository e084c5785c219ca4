import { seriesKey, type DecodedBatch, type Labels } from '../../../protocol/batch.js'
import type { SeriesScores } from '../../anomaly/types.js'

/** A stored batch as the evaluators see it: timestamps are shifted by the device's clock correction (DESIGN §5). */
export class BatchView {
  private byName?: Map<string, number[]>
  private positions?: number[][]
  private labels: Array<Labels | undefined> = []
  private keys: Array<string | undefined> = []
  private groups = new Map<string, Array<{ key: string; labels: Labels } | undefined>>()
  /** Anomaly scores of the batch's scored series by series index, set before the rules run (hub/anomaly/). */
  anomaly?: Map<number, SeriesScores>

  constructor(
    readonly device: string,
    readonly batch: DecodedBatch,
    readonly shift: number,
  ) {}

  /** Series-table indexes of the batch's series named `name`. */
  seriesNamed(name: string): readonly number[] {
    return this.names().get(name) ?? []
  }

  /** The distinct metric names of the batch. */
  seriesNames(): IterableIterator<string> {
    return this.names().keys()
  }

  private names(): Map<string, number[]> {
    if (!this.byName) {
      const byName = (this.byName = new Map<string, number[]>())
      this.batch.m?.series.forEach((s, i) => {
        const list = byName.get(s.name)
        if (list) list.push(i)
        else byName.set(s.name, [i])
      })
    }
    return this.byName
  }

  /** Positions in the sample columns of series `i`'s samples (built once per batch for all rules). */
  samplesOf(i: number): readonly number[] {
    if (!this.positions) {
      const m = this.batch.m!
      this.positions = m.series.map(() => [])
      for (let k = 0; k < m.index.length; k++) this.positions[m.index[k]]?.push(k)
    }
    return this.positions[i] ?? []
  }

  /** A stable identity of series `i` across batches: device, name and labels. */
  seriesKeyOf(i: number): string {
    const s = this.batch.m!.series[i]
    return (this.keys[i] ??= `${this.device}\u0000${seriesKey(s.name, s.labels)}`)
  }

  /** groupOf(labelsOf(i), groupBy), shared by every rule with the same groupBy. */
  groupOfSeries(i: number, groupBy: readonly string[]): { key: string; labels: Labels } {
    const sig = groupBy.join('\u0000')
    let cache = this.groups.get(sig)
    if (!cache) this.groups.set(sig, (cache = []))
    return (cache[i] ??= groupOf(this.labelsOf(i), groupBy))
  }

  /** Series `i`'s labels plus the `device` label the hub adds (DESIGN §8). */
  labelsOf(i: number): Labels {
    return (this.labels[i] ??= { ...this.batch.m!.series[i].labels, device: this.device })
  }
}

/** A device glob (`*`, `?`) as a predicate; an exact id compares as is. */
export function deviceMatcher(pattern: string): (device: string) => boolean {
  if (pattern === '*') return () => true
  if (!/[*?]/.test(pattern)) return (d) => d === pattern
  const re = new RegExp('^' + pattern.replace(/[.]/g, '\\.').replace(/\*/g, '.*').replace(/\?/g, '.') + '$')
  return (d) => re.test(d)
}

export function labelsMatch(labels: Labels, match: Labels): boolean {
  for (const k in match) if (labels[k] !== match[k]) return false
  return true
}

/** The group of a labelled item: the groupBy labels it carries and a stable key for them. */
export function groupOf(labels: Labels, groupBy: readonly string[]): { key: string; labels: Labels } {
  const picked: Labels = {}
  let key = ''
  for (const name of groupBy) {
    const v = labels[name] ?? ''
    picked[name] = v
    key += `${name}=${v}\u0000`
  }
  return { key, labels: picked }
}
