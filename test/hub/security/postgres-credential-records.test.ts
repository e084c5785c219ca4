import { LevelCredentialRecords } from '../../../hub/security/level-credential-records.js'
import { postgresStoreHarness, usePostgres } from '../../helpers/postgres-store-harness.js'
import { runCredentialRecordStoreSuite } from './credential-record-store.case.js'

const pg = usePostgres()

runCredentialRecordStoreSuite('LevelCredentialRecords on PostgreSQL', () => postgresStoreHarness(pg(), (db) => new LevelCredentialRecords(db)))
