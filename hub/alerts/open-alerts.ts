import type { AlertRecord } from './types.js'

/** Pending and firing alerts by rule, then group key: a lookup per observation builds no composite key. */
export class OpenAlerts {
  private readonly byRule = new Map<string, Map<string, AlertRecord>>()
  private count = 0

  get size(): number {
    return this.count
  }

  /** The open alerts of one rule (undefined when it has none). */
  ofRule(rule: string): ReadonlyMap<string, AlertRecord> | undefined {
    return this.byRule.get(rule)
  }

  get(rule: string, key: string): AlertRecord | undefined {
    return this.byRule.get(rule)?.get(key)
  }

  set(a: AlertRecord): void {
    let m = this.byRule.get(a.rule)
    if (!m) this.byRule.set(a.rule, (m = new Map()))
    if (!m.has(a.key)) this.count++
    m.set(a.key, a)
  }

  delete(a: AlertRecord): void {
    const m = this.byRule.get(a.rule)
    if (!m?.delete(a.key)) return
    this.count--
    if (m.size === 0) this.byRule.delete(a.rule)
  }

  *values(): IterableIterator<AlertRecord> {
    for (const m of this.byRule.values()) yield* m.values()
  }
}
