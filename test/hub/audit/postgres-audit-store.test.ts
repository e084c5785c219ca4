import { LevelAuditStore } from '../../../hub/audit/level-audit-store.js'
import { postgresStoreHarness, usePostgres } from '../../helpers/postgres-store-harness.js'
import { runAuditStoreSuite } from './audit-store.case.js'

const pg = usePostgres()

runAuditStoreSuite('LevelAuditStore on PostgreSQL', () => postgresStoreHarness(pg(), (db) => new LevelAuditStore(db)))
