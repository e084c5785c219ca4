import { postgresSource, usePostgres } from '../../../helpers/postgres-store-harness.js'
import { makeLevelHarness } from './level-harness.js'
import { runMetricStoreSuite } from './metric-store.case.js'

const pg = usePostgres()

runMetricStoreSuite('LevelMetricStore on PostgreSQL', () => makeLevelHarness({}, postgresSource(pg())))
