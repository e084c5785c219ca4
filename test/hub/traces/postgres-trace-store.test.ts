import { postgresSource, usePostgres } from '../../helpers/postgres-store-harness.js'
import { makeBlockTraceHarness, makeTraceHarness } from './trace-harness.js'
import { runTraceStoreSuite } from './trace-store.case.js'

const pg = usePostgres()

runTraceStoreSuite('BlockTraceStore on PostgreSQL', (options) => makeBlockTraceHarness(options, postgresSource(pg())), { retentionByDay: true })
runTraceStoreSuite('LevelTraceStore on PostgreSQL', (options) => makeTraceHarness(options, postgresSource(pg())))
