// The health store's harness: a LevelHealthStore written through the hub's BatchWriter, on LevelDB or PostgreSQL.
import { LevelHealthStore } from '../../../hub/health/level-health-store.js'
import type { HealthStoreOptions } from '../../../hub/health/types.js'
import { BatchWriter } from '../../../hub/storage/batch-writer.js'
import type { Database } from '../../../hub/storage/db.js'
import { levelSource, type DatabaseSource } from '../../helpers/database-source.js'
import type { HealthStoreHarness } from './health-store.case.js'

export interface LevelHealthHarness extends HealthStoreHarness {
  db: Database
}

/** A LevelHealthStore on a real LevelDB in a temp dir, written through the hub's BatchWriter. */
export async function makeLevelHarness(options: HealthStoreOptions, source?: DatabaseSource): Promise<LevelHealthHarness> {
  const src = source ?? (await levelSource('outpost-health-store-', 'json'))
  let failing = false
  const open = async () => {
    const db: Database = await src.open()
    const store = new LevelHealthStore(db, options)
    // After the store's rows, a put with no key when asked to: LevelDB refuses the whole batch.
    const failer = { stage: (commit: { stage(ops: any[]): void }) => failing && commit.stage([{ type: 'put', key: undefined, value: 1 }]) }
    const writer = new BatchWriter(db, [store, failer])
    await store.open()
    return { db, store, writer }
  }
  let state = await open()
  const harness: LevelHealthHarness = {
    ...state,
    async ingest(batch, { fail = false, ...opts } = {}) {
      failing = fail
      try {
        return await state.writer.write(batch, opts)
      } finally {
        failing = false
      }
    },
    async reopen() {
      await state.writer.idle()
      await state.db.close()
      state = await open()
      Object.assign(harness, { db: state.db, store: state.store })
      return state.store
    },
    async cleanup() {
      await state.writer.idle()
      await state.db.close()
      await src.remove()
    },
  }
  return harness
}

