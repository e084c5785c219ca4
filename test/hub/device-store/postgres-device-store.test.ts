import { LevelDeviceStore, LevelPresenceStore } from '../../../hub/device-store/level-device-store.js'
import { postgresStoreHarness, usePostgres } from '../../helpers/postgres-store-harness.js'
import { runDeviceStoreSuite } from './device-store.case.js'
import { runPresenceStoreSuite } from './presence-store.case.js'

const pg = usePostgres()

runDeviceStoreSuite('LevelDeviceStore on PostgreSQL', () => postgresStoreHarness(pg(), (db) => new LevelDeviceStore(db)))
runPresenceStoreSuite('LevelPresenceStore on PostgreSQL', () => postgresStoreHarness(pg(), (db) => new LevelPresenceStore(db)))
