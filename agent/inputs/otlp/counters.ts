import { Counter, type Registry } from 'prom-client'
import type { OtlpSignal } from './proto.js'

const SIGNALS: OtlpSignal[] = ['traces', 'metrics', 'logs']

/** The OTLP routes' own counters, registered in the agent's `/metrics` registry. */
export class OtlpCounters {
  private readonly requests: Counter<'signal' | 'result'>
  private readonly items: Counter<'signal' | 'outcome'>

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'outpost_agent_otlp_requests_total',
      help: 'OTLP/HTTP export requests, by signal and result: accepted, partial, or the error code',
      labelNames: ['signal', 'result'],
      registers: [registry],
    })
    this.items = new Counter({
      name: 'outpost_agent_otlp_items_total',
      help: 'Spans, log records and metric data points received over OTLP/HTTP, by signal and outcome (accepted or rejected)',
      labelNames: ['signal', 'outcome'],
      registers: [registry],
    })
    // Start at 0 so a rate over the series works from the first scrape.
    for (const signal of SIGNALS) {
      this.requests.inc({ signal, result: 'accepted' }, 0)
      this.items.inc({ signal, outcome: 'accepted' }, 0)
      this.items.inc({ signal, outcome: 'rejected' }, 0)
    }
  }

  done(signal: OtlpSignal, accepted: number, rejected: number): void {
    this.requests.inc({ signal, result: rejected > 0 ? 'partial' : 'accepted' })
    this.items.inc({ signal, outcome: 'accepted' }, accepted)
    this.items.inc({ signal, outcome: 'rejected' }, rejected)
  }

  refused(signal: OtlpSignal, code: string, rejected = 0): void {
    this.requests.inc({ signal, result: code })
    if (rejected > 0) this.items.inc({ signal, outcome: 'rejected' }, rejected)
  }
}
