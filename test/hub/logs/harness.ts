import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { PROTOCOL_VERSION, type DecodedBatch, type LogRecord } from '../../../protocol/batch.js'
import { LevelMetricStore } from '../../../hub/metrics/store/index.js'
import { LogStore, type LogStoreOptions } from '../../../hub/logs/index.js'

export interface LogHarness {
  logs: LogStore
  store: LevelMetricStore
  /** Ingests one batch of logs through the metric store's atomic write, as the hub does. */
  ingest(dev: string, seq: number, records: LogRecord[], tsOffset?: number, ep?: string): Promise<{ duplicate: boolean }>
  /** Closes and reopens the database and both stores (a hub restart). */
  reopen(): Promise<void>
  cleanup(): Promise<void>
}

export function logBatch(dev: string, seq: number, records: LogRecord[], ep = 'ep-1'): DecodedBatch {
  return { v: PROTOCOL_VERSION, dev, ep, seq, at: 0, l: records }
}

/** A LogStore taking part in a LevelMetricStore on a real LevelDB in a fresh temp dir. */
export async function makeLogHarness(options: LogStoreOptions = {}): Promise<LogHarness> {
  const dir = await mkdtemp(join(tmpdir(), 'outpost-logs-'))
  let db: Level<string, any>
  const open = async () => {
    db = new Level<string, any>(dir, { valueEncoding: 'json' })
    await db.open()
    const logs = new LogStore(db, options)
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
