import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { PROTOCOL_VERSION, type DecodedBatch, type LogRecord } from '../../../protocol/batch.js'
import { LevelMetricStore } from '../../../hub/metrics/store/index.js'
import { LevelLogStore, type LogStoreOptions } from '../../../hub/logs/index.js'
import type { LogStoreHarness } from './log-store.case.js'

export interface LogHarness extends LogStoreHarness {
  logs: LevelLogStore
  store: LevelMetricStore
}

export function logBatch(dev: string, seq: number, records: LogRecord[], ep = 'ep-1'): DecodedBatch {
  return { v: PROTOCOL_VERSION, dev, ep, seq, at: 0, l: records }
}

/** A LevelLogStore taking part in a LevelMetricStore on a real LevelDB in a fresh temp dir. */
export async function makeLogHarness(options: LogStoreOptions = {}): Promise<LogHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-logs-'))
  let db: Level<string, any>
  const open = async () => {
    db = new Level<string, any>(dir, { valueEncoding: 'json' })
    await db.open()
    const logs = new LevelLogStore(db, options)
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
  const harness: LogHarness = {
    ...(await open()),
    async ingest(dev, seq, records, tsOffset = 0, ep = 'ep-1') {
      return harness.store.ingest(logBatch(dev, seq, records, ep), { tsOffset })
    },
    // Rows are final when committed: nothing to seal.
    async seal() {},
    async reopen() {
      await close()
      Object.assign(harness, await open())
    },
    async cleanup() {
      await close()
      await rm(dir, { recursive: true, force: true })
    },
  }
  return harness
}
