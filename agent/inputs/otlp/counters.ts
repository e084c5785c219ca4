import type { SelfCounter, Telemetry } from '../../telemetry.js'
import type { OtlpSignal } from './proto.js'

const SIGNALS: OtlpSignal[] = ['traces', 'metrics', 'logs']

/** The OTLP routes' own counters, in the agent's self-metrics table: on `/metrics` and shipped to the hub. */
export class OtlpCounters {
  private readonly requests: SelfCounter
  private readonly items: SelfCounter

  constructor(telemetry: Telemetry) {
    // Start at 0 so a rate over the series works from the first scrape.
    this.requests = telemetry.counter(
      { name: 'outpost_agent_otlp_requests_total', help: 'OTLP/HTTP export requests, by signal and result: accepted, partial, or the error code', labelNames: ['signal', 'result'] },
      SIGNALS.map((signal) => ({ signal, result: 'accepted' })),
    )
    this.items = telemetry.counter(
      {
        name: 'outpost_agent_otlp_items_total',
        help: 'Spans, log records and metric data points received over OTLP/HTTP, by signal and outcome (accepted or rejected)',
        labelNames: ['signal', 'outcome'],
      },
      SIGNALS.flatMap((signal) => [{ signal, outcome: 'accepted' }, { signal, outcome: 'rejected' }]),
    )
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
