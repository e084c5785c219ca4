import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { PROTOCOL_VERSION, type DecodedBatch, type LogRecord } from '../../../protocol/batch.js'
import { LevelMetricStore } from '../../../hub/metrics/store/index.js'
import { BlockLogStore, LevelLogStore, type LogStore, type LogStoreOptions } from '../../../hub/logs/index.js'
import type { BlockLogStoreOptions } from '../../../hub/logs/blocks/block-log-store.js'
import type { LogStoreHarness } from './log-store.case.js'
import type { DatabaseSource } from '../../helpers/database-source.js'

export interface LogHarness<S extends LogStore = LogStore> extends LogStoreHarness {
  logs: S
  store: LevelMetricStore
  dir: string
  /** Closes the stores and the database, keeping the dir. */
  close(): Promise<void>
}

export function logBatch(dev: string, seq: number, records: LogRecord[], ep = 'ep-1'): DecodedBatch {
  return { v: PROTOCOL_VERSION, dev, ep, seq, at: 0, l: records }
}

/** A log store taking part in a LevelMetricStore's ingest on a real LevelDB, in `dir` or a fresh temp dir. */
async function makeHarness<S extends LogStore>(
  make: (db: Level<string, any>) => S,
  seal: (logs: S) => Promise<void>,
  existingDir?: string,
  /** PostgreSQL instead of LevelDB (`dir` is then ''). */
  source?: DatabaseSource,
): Promise<LogHarness<S>> {
  const dir = source ? '' : (existingDir ?? (await mkdtemp(join(tmpdir(), 'outpost-logs-'))))
  let db: Level<string, any>
  const open = async () => {
    if (source) db = (await source.open()) as Level<string, any>
    else {
      db = new Level<string, any>(dir, { valueEncoding: 'json' })
      await db.open()
    }
    const logs = make(db)
    const store = new LevelMetricStore(db, { participants: [logs] })
    await store.open()
    await logs.open()
    return { logs, store }
  }
  const close = async () => {
    await harness.store.close()
    await harness.logs.close()
    await db.close()
  }
  const harness: LogHarness<S> = {
    ...(await open()),
    dir,
    close: () => close(),
    async ingest(dev, seq, records, tsOffset = 0, ep = 'ep-1') {
      return harness.store.ingest(logBatch(dev, seq, records, ep), { tsOffset })
    },
    seal: () => seal(harness.logs),
    async reopen() {
      await close()
      Object.assign(harness, await open())
    },
    async cleanup() {
      await close()
      if (source) await source.remove()
      else await rm(dir, { recursive: true, force: true })
    },
  }
  return harness
}

/** The LevelDB log store (one row per line): its rows are final when committed, nothing to seal. */
export function makeLogHarness(options: LogStoreOptions = {}, dir?: string): Promise<LogHarness<LevelLogStore>> {
  return makeHarness((db) => new LevelLogStore(db, options), async () => {}, dir)
}

/** The block log store; small blocks by default, so the suites cut their data into several. */
export function makeBlockLogHarness(options: BlockLogStoreOptions = {}, dir?: string): Promise<LogHarness<BlockLogStore>> {
  return makeHarness((db) => new BlockLogStore(db, { blockLines: 200, ...options }), (logs) => logs.seal(), dir)
}

/** The block log store on another database (PostgreSQL), for its suite on that backend. */
export function makeBlockLogHarnessOn(source: DatabaseSource, options: BlockLogStoreOptions = {}): Promise<LogHarness<BlockLogStore>> {
  return makeHarness((db) => new BlockLogStore(db, { blockLines: 200, ...options }), (logs) => logs.seal(), undefined, source)
}
