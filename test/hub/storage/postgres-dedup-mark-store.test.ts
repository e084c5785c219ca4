import { Commit } from '../../../hub/storage/commit.js'
import { LevelDedupMarkStore } from '../../../hub/storage/level-dedup-mark-store.js'
import { postgresStoreHarness, usePostgres } from '../../helpers/postgres-store-harness.js'
import { runDedupMarkStoreSuite, type DedupMarkStoreHarness } from './dedup-mark-store.case.js'

const pg = usePostgres()

async function makePostgresHarness() {
  const harness = await postgresStoreHarness(pg(), (db) => new LevelDedupMarkStore(db))
  return Object.assign(harness, {
    async write(stage: (commit: Commit) => void, options: { fail?: boolean } = {}) {
      const commit = new Commit(harness.db)
      stage(commit)
      // A put with no key makes the database refuse the whole batch.
      if (options.fail) commit.stage([{ type: 'put', key: undefined as unknown as string, value: 1 }])
      await commit.commit()
    },
  }) satisfies DedupMarkStoreHarness
}

runDedupMarkStoreSuite('LevelDedupMarkStore on PostgreSQL', makePostgresHarness)
