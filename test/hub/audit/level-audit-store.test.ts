import { afterEach, describe, expect, it } from 'vitest'
import { AuditLog } from '../../../hub/audit/audit-log.js'
import { LevelAuditStore } from '../../../hub/audit/level-audit-store.js'
import { levelStoreHarness } from '../../helpers/level-store-harness.js'
import { runAuditStoreSuite } from './audit-store.case.js'

const makeLevelHarness = () => levelStoreHarness((db) => new LevelAuditStore(db), 'outpost-audit-store-')

runAuditStoreSuite('LevelAuditStore', makeLevelHarness)

describe('AuditLog over LevelAuditStore on disk', () => {
  let harness: Awaited<ReturnType<typeof makeLevelHarness>> | undefined
  afterEach(async () => harness?.cleanup())

  it('writes the layout of docs/storage.md and migrates unchained records left by an old hub at open', async () => {
    harness = await makeLevelHarness()
    const audit = harness.db.sublevel<string, any>('audit', { valueEncoding: 'json' })
    // Records as a hub before the chain stored them: no seq, prev or hash.
    await audit.put('001700000000000.000000000000', { at: 1_700_000_000_000, actor: 'admin', method: 'POST', route: '/v1/devices' })
    await audit.put('001700000000001.000000000001', { at: 1_700_000_000_001, actor: 'admin', method: 'DELETE', route: '/v1/devices/:id' })
    let now = 1_700_000_000_005
    const log = new AuditLog(harness.store, () => now++)
    expect(await log.open()).toEqual({ migrated: 2 })
    await log.record({ actor: 'ops', method: 'POST', route: '/v1/rules' })
    const rows = await audit.iterator().all()
    expect(rows.map(([key]) => key)).toEqual(['001700000000000.000000000000', '001700000000001.000000000001', '001700000000006.000000000002'])
    expect(rows.map(([, r]) => r.seq)).toEqual([0, 1, 2])
    expect(rows[2][1].prev).toBe(rows[1][1].hash)
    expect(await harness.db.sublevel('audit-meta', { valueEncoding: 'json' }).get('migrated')).toEqual({ records: 2, at: 1_700_000_000_005 })
  })
})
