import type { DecodedBatch, Labels } from '../../../protocol/batch.js'
import type { DeviceRegistry } from '../../devices.js'
import type { MetricStore } from '../../store/types.js'
import type { Observation } from '../types.js'

/** A stored batch as the evaluators see it: timestamps are shifted by the device's clock correction (DESIGN §5). */
export class BatchView {
  private byName?: Map<string, number[]>

  constructor(
    readonly device: string,
    readonly batch: DecodedBatch,
    readonly shift: number,
  ) {}

  /** Series-table indexes of the batch's series named `name`. */
  seriesNamed(name: string): readonly number[] {
    if (!this.byName) {
      this.byName = new Map()
      this.batch.m?.series.forEach((s, i) => {
        const list = this.byName!.get(s.name)
        if (list) list.push(i)
        else this.byName!.set(s.name, [i])
      })
    }
    return this.byName.get(name) ?? []
  }
}

export interface EvalContext {
  devices: DeviceRegistry
  store: MetricStore
  clock: () => number
  /** Hub clock at engine start; presence is unknown until devices send a birth or this grace passes. */
  startedAt: number
  startupGraceMs: number
}

/** One rule's evaluation state. Each hook returns the observations it made; the engine turns them into states. */
export interface RuleEvaluator {
  init?(): Promise<void>
  onBatch?(view: BatchView): Observation[]
  onStatus?(device: string, online: boolean, at: number): Observation[]
  /** The periodic pass (absent, offline, decaying windows), at hub time `now`. */
  onTick?(now: number): Observation[]
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
