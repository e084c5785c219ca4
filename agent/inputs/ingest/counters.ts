import type { SelfCounter, Telemetry } from '../../telemetry.js'
import { RECORD_KINDS, type RecordKind } from './schema.js'

/** The ingest route's own counters, in the agent's self-metrics table: on `/metrics` and shipped to the hub. */
export class IngestCounters {
  private readonly requests: SelfCounter
  private readonly records: SelfCounter

  constructor(telemetry: Telemetry) {
    // Every kind starts at 0 so a rate over the series works from the first scrape.
    this.requests = telemetry.counter(
      { name: 'outpost_agent_ingest_requests_total', help: 'POST /v1/ingest requests, by result: accepted or the error code', labelNames: ['result'] },
      [{ result: 'accepted' }],
    )
    this.records = telemetry.counter(
      { name: 'outpost_agent_ingest_records_total', help: 'Records accepted through POST /v1/ingest (durably buffered), by kind', labelNames: ['kind'] },
      RECORD_KINDS.map((kind) => ({ kind })),
    )
  }

  accepted(counts: Record<RecordKind, number>): void {
    this.requests.inc({ result: 'accepted' })
    for (const kind of RECORD_KINDS) this.records.inc({ kind }, counts[kind])
  }

  rejected(code: string): void {
    this.requests.inc({ result: code })
  }
}
