import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { Commit } from '../../../hub/storage/commit.js'
import type { Database } from '../../../hub/storage/db.js'
import { LevelDedupMarkStore } from '../../../hub/storage/level-dedup-mark-store.js'
import { decodeStored } from '../../../hub/storage/stored-cbor.js'
import { tempDir } from '../../helpers/temp.js'
import { runDedupMarkStoreSuite, type DedupMarkStoreHarness } from './dedup-mark-store.case.js'

interface LevelDedupHarness extends DedupMarkStoreHarness {
  db: Database
}

async function makeLevelHarness(): Promise<LevelDedupHarness> {
  const { dir, cleanup } = await tempDir('outpost-dedup-store-')
  const open = async () => {
    const db: Database = new Level<string, any>(dir, { valueEncoding: 'json' })
    await db.open()
    return { db, store: new LevelDedupMarkStore(db) }
  }
  const harness: LevelDedupHarness = {
    ...(await open()),
    async write(stage, options = {}) {
      const commit = new Commit(harness.db)
      stage(commit)
      // A put with no key makes LevelDB refuse the whole batch.
      if (options.fail) commit.stage([{ type: 'put', key: undefined as unknown as string, value: 1 }])
      await commit.commit()
    },
    async reopen() {
      await harness.db.close()
      Object.assign(harness, await open())
      return harness.store
    },
    async cleanup() {
      await harness.db.close()
      await cleanup()
    },
  }
  return harness
}

runDedupMarkStoreSuite('LevelDedupMarkStore', makeLevelHarness)

describe('LevelDedupMarkStore on disk', () => {
  let harness: LevelDedupHarness | undefined
  afterEach(async () => harness?.cleanup())

  it('writes the layout of docs/storage.md: m-dedup, key device \\0 epoch, CBOR {w, r}', async () => {
    harness = await makeLevelHarness()
    const h = harness
    await h.write((c) => h.store.stage(c, 'dev-1', 'ep-1', { w: 4, ranges: [[6, 7]] }))
    const rows = await h.db.sublevel<string, Uint8Array>('m-dedup', { valueEncoding: 'view' }).iterator().all()
    expect(rows.map(([key, value]) => [key, decodeStored(value)])).toEqual([['dev-1\x00ep-1', { w: 4, r: [6, 7] }]])
  })
})
