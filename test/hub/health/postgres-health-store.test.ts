import { postgresSource, usePostgres } from '../../helpers/postgres-store-harness.js'
import { makeLevelHarness } from './health-harness.js'
import { runHealthStoreSuite } from './health-store.case.js'

const pg = usePostgres()

runHealthStoreSuite('LevelHealthStore on PostgreSQL', (options) => makeLevelHarness(options, postgresSource(pg())))
