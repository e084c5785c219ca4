import { Gauge, type Registry } from 'prom-client'

/** What inputs count, read by the agent's `/metrics` at scrape time. One instance per agent. */
export class InputCounters {
  /** Log lines longer than their input's maxLineBytes, kept cut to that length. */
  logLinesTruncated = 0
  /** Log lines read from tailed files and buffered. */
  logLinesRead = 0
  /** Failed or partly refused Prometheus scrapes, by reason. */
  readonly scrapeErrors: Record<string, number> = {}

  countScrapeError(reason: string, n = 1): void {
    this.scrapeErrors[reason] = (this.scrapeErrors[reason] ?? 0) + n
  }
}

/** Adds the input counters to the agent's Prometheus registry (agent/listener.ts agentRegistry). */
export function registerInputMetrics(registry: Registry, counters: InputCounters): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()) } })
  gauge('outpost_agent_log_lines_truncated_total', 'Tailed log lines cut to maxLineBytes', () => counters.logLinesTruncated)
  gauge('outpost_agent_log_lines_read_total', 'Tailed log lines buffered', () => counters.logLinesRead)
  new Gauge({
    name: 'outpost_agent_scrape_errors_total',
    help: 'Prometheus scrape failures and refused families, by reason',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      for (const [reason, n] of Object.entries(counters.scrapeErrors)) this.set({ reason }, n)
    },
  })
}
