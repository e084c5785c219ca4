import { LevelAlertStore } from '../../../../hub/alerts/store/level-alert-store.js'
import { postgresStoreHarness, usePostgres } from '../../../helpers/postgres-store-harness.js'
import { runAlertStoreSuite } from './alert-store.case.js'

const pg = usePostgres()

runAlertStoreSuite('LevelAlertStore on PostgreSQL', () => postgresStoreHarness(pg(), (db) => new LevelAlertStore(db)))
