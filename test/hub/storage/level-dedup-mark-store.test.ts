import { afterEach, describe, expect, it } from 'vitest'
import { Commit } from '../../../hub/storage/commit.js'
import { LevelDedupMarkStore } from '../../../hub/storage/level-dedup-mark-store.js'
import { decodeStored } from '../../../hub/storage/stored-cbor.js'
import { levelStoreHarness } from '../../helpers/level-store-harness.js'
import { runDedupMarkStoreSuite, type DedupMarkStoreHarness } from './dedup-mark-store.case.js'

async function makeLevelHarness() {
  const harness = await levelStoreHarness((db) => new LevelDedupMarkStore(db), 'outpost-dedup-store-')
  return Object.assign(harness, {
    async write(stage: (commit: Commit) => void, options: { fail?: boolean } = {}) {
      const commit = new Commit(harness.db)
      stage(commit)
      // A put with no key makes LevelDB refuse the whole batch.
      if (options.fail) commit.stage([{ type: 'put', key: undefined as unknown as string, value: 1 }])
      await commit.commit()
    },
  }) satisfies DedupMarkStoreHarness
}

runDedupMarkStoreSuite('LevelDedupMarkStore', makeLevelHarness)

describe('LevelDedupMarkStore on disk', () => {
  let harness: Awaited<ReturnType<typeof makeLevelHarness>> | undefined
  afterEach(async () => harness?.cleanup())

  it('writes the layout of docs/storage.md: m-dedup, key device \\0 epoch, CBOR {w, r}', async () => {
    harness = await makeLevelHarness()
    const h = harness
    await h.write((c) => h.store.stage(c, 'dev-1', 'ep-1', { w: 4, ranges: [[6, 7]] }))
    const rows = await h.db.sublevel<string, Uint8Array>('m-dedup', { valueEncoding: 'view' }).iterator().all()
    expect(rows.map(([key, value]) => [key, decodeStored(value)])).toEqual([['dev-1\x00ep-1', { w: 4, r: [6, 7] }]])
  })
})
