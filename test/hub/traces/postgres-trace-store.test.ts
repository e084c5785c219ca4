import { postgresSource, usePostgres } from '../../helpers/postgres-store-harness.js'
import { makeTraceHarness } from './trace-harness.js'
import { runTraceStoreSuite } from './trace-store.case.js'

const pg = usePostgres()

runTraceStoreSuite('LevelTraceStore on PostgreSQL', (options) => makeTraceHarness(options, postgresSource(pg())))
