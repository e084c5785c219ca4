// Which series are scored: those whose metric name matches an `anomaly.detect` glob, and those an `anomaly` rule
// selects (its metric, device glob and label matchers). Decided per sample batch from a name-keyed index.
import type { Labels } from '../../protocol/batch.js'
import { deviceMatcher, labelsMatch } from '../alerts/rules/batch-view.js'

export interface SeriesSelection {
  metric: string
  device: string
  match: Labels
}

/** `system_*`-style globs over metric names as one predicate. */
export function nameMatcher(globs: readonly string[]): (name: string) => boolean {
  if (globs.length === 0) return () => false
  const res = globs.map((g) => new RegExp('^' + g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$'))
  return (name) => res.some((re) => re.test(name))
}

export class Selection {
  private readonly detected: (name: string) => boolean
  private readonly byName = new Map<string, Set<{ sel: SeriesSelection; device: (d: string) => boolean }>>()
  /** Per metric name: whether `anomaly.detect` selects it (names are few; series are many). */
  private readonly nameCache = new Map<string, boolean>()

  constructor(detect: readonly string[]) {
    this.detected = nameMatcher(detect)
  }

  /** Adds a rule's selection; the returned function removes it. */
  add(sel: SeriesSelection): () => void {
    const entry = { sel, device: deviceMatcher(sel.device) }
    let set = this.byName.get(sel.metric)
    if (!set) this.byName.set(sel.metric, (set = new Set()))
    set.add(entry)
    return () => {
      set.delete(entry)
      if (set.size === 0) this.byName.delete(sel.metric)
    }
  }

  /** Whether anything may select series of this name (a cheap pre-check per batch). */
  mayScore(name: string): boolean {
    return this.byName.has(name) || this.isDetected(name)
  }

  /** Whether an `anomaly` rule reads this metric. */
  hasRules(name: string): boolean {
    return this.byName.has(name)
  }

  /** Whether `anomaly.detect` selects every series of this name. */
  detects(name: string): boolean {
    return this.isDetected(name)
  }

  selects(name: string, device: string, labels: Labels): boolean {
    if (this.isDetected(name)) return true
    const set = this.byName.get(name)
    if (!set) return false
    for (const { sel, device: dm } of set) if (dm(device) && labelsMatch(labels, sel.match)) return true
    return false
  }

  private isDetected(name: string): boolean {
    let v = this.nameCache.get(name)
    if (v === undefined) this.nameCache.set(name, (v = this.detected(name)))
    return v
  }
}
