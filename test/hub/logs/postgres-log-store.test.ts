import { postgresSource, usePostgres } from '../../helpers/postgres-store-harness.js'
import { makeBlockLogHarnessOn } from './harness.js'
import { runLogStoreSuite } from './log-store.case.js'

const pg = usePostgres()

// The hub's log store (BlockLogStore); the row-per-line LevelLogStore is only migrated from, on LevelDB.
runLogStoreSuite('BlockLogStore on PostgreSQL', (options) => makeBlockLogHarnessOn(postgresSource(pg()), options))
