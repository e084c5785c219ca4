import { Counter, type Registry } from 'prom-client'
import { RECORD_KINDS, type RecordKind } from './schema.js'

/** The ingest route's own counters, registered in the agent's `/metrics` registry. */
export class IngestCounters {
  private readonly requests: Counter<'result'>
  private readonly records: Counter<'kind'>

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'outpost_agent_ingest_requests_total',
      help: 'POST /v1/ingest requests, by result: accepted or the error code',
      labelNames: ['result'],
      registers: [registry],
    })
    this.records = new Counter({
      name: 'outpost_agent_ingest_records_total',
      help: 'Records accepted through POST /v1/ingest (durably buffered), by kind',
      labelNames: ['kind'],
      registers: [registry],
    })
    // Start every kind at 0 so a rate over the series works from the first scrape.
    this.requests.inc({ result: 'accepted' }, 0)
    for (const kind of RECORD_KINDS) this.records.inc({ kind }, 0)
  }

  accepted(counts: Record<RecordKind, number>): void {
    this.requests.inc({ result: 'accepted' })
    for (const kind of RECORD_KINDS) this.records.inc({ kind }, counts[kind])
  }

  rejected(code: string): void {
    this.requests.inc({ result: code })
  }
}
