// DESIGN §1: agent collectors are plugins (kit/plugin.ts) with one explicit registry (./registry.ts).
import type * as z from 'zod'
import type { Logger } from '../../kit/log.js'
import type { Plugin } from '../../kit/plugin.js'
import type { SeriesDef } from '../../protocol/batch.js'

/** Where a collector puts its samples; the agent's batcher implements it. */
export interface MetricSink {
  add(series: SeriesDef, ts: number, value: number): void
}

/**
 * A configured collector, called once per agent interval.
 *
 * Contract (the agent never crashes because of a collector):
 * - `collect` must not throw synchronously. It may reject; the agent logs the rejection and calls it again next
 *   interval. A collector whose readings can fail one by one should emit what it has and report the rest through
 *   `CollectorContext.log` rather than reject.
 * - Every sample of one call uses the `now` passed in (ms since epoch), so a tick lines up across series.
 * - `close` releases whatever `create` or `collect` opened; it is called once when the agent stops.
 */
export interface Collector {
  readonly name: string
  collect(sink: MetricSink, now: number): Promise<void>
  close?(): Promise<void>
}

/** What the agent hands a collector: dependencies come in here, never from module-level state. */
export interface CollectorContext {
  log: Logger
}

/**
 * A kind of collector. Its `options` schema checks the collector's config section and fills defaults with no I/O
 * (as Telegraf's `Init()`); `create` may set up resources.
 */
export type CollectorPlugin<Schema extends z.ZodType = z.ZodType> = Plugin<Schema, CollectorContext, Collector>
