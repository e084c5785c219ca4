import type { BatchView, RuleEvaluator } from './rules/registry.js'
import type { StoredRule } from './rule-schema.js'

export interface RuleEntry {
  rule: StoredRule
  /** Absent while the rule is disabled. */
  evaluator?: RuleEvaluator
}

type Evaluating = RuleEntry & { evaluator: RuleEvaluator }

/**
 * The rules with an onBatch hook, by the part of a batch they read, so a batch visits only the rules of the metric
 * names, logs, spans and health results it carries (not every rule for every batch).
 */
export class RuleIndex {
  private readonly byMetric = new Map<string, Evaluating[]>()
  private readonly logs: Evaluating[] = []
  private readonly spans: Evaluating[] = []
  private readonly health: Evaluating[] = []
  /** Rules that do not say what they read: visited for every batch. */
  private readonly always: Evaluating[] = []

  constructor(entries: Iterable<RuleEntry>) {
    for (const e of entries) {
      if (!e.evaluator?.onBatch) continue
      const entry = e as Evaluating
      const reads = entry.evaluator.reads
      if (reads === undefined) this.always.push(entry)
      else if (reads === 'logs') this.logs.push(entry)
      else if (reads === 'spans') this.spans.push(entry)
      else if (reads === 'health') this.health.push(entry)
      else {
        const list = this.byMetric.get(reads.metric)
        if (list) list.push(entry)
        else this.byMetric.set(reads.metric, [entry])
      }
    }
  }

  /** The rules concerned by a batch, as lists to visit in turn; each rule appears once. */
  forBatch(view: BatchView): Evaluating[][] {
    const out = [this.always]
    const { batch } = view
    if (batch.m && this.byMetric.size > 0) {
      for (const name of view.seriesNames()) {
        const list = this.byMetric.get(name)
        if (list) out.push(list)
      }
    }
    if (batch.l?.length) out.push(this.logs)
    if (batch.s?.length) out.push(this.spans)
    if (batch.h?.length) out.push(this.health)
    return out
  }
}
