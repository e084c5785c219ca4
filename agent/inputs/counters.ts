import type { Telemetry } from '../telemetry.js'

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

/** Declares the input counters in the agent's self-metrics table (agent/telemetry.ts): on /metrics and shipped. */
export function declareInputMetrics(t: Telemetry, counters: InputCounters): void {
  t.read({ name: 'outpost_agent_log_lines_truncated_total', help: 'Tailed log lines cut to maxLineBytes', type: 'counter' }, () => counters.logLinesTruncated)
  t.read({ name: 'outpost_agent_log_lines_read_total', help: 'Tailed log lines buffered', type: 'counter' }, () => counters.logLinesRead)
  t.read(
    { name: 'outpost_agent_scrape_errors_total', help: 'Prometheus scrape failures and refused families, by reason', type: 'counter', labelNames: ['reason'] },
    () => Object.entries(counters.scrapeErrors).map(([reason, n]) => [{ reason }, n]),
  )
}
