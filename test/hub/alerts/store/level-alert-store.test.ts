import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { LevelAlertStore } from '../../../../hub/alerts/store/level-alert-store.js'
import { parseRule } from '../../../../hub/alerts/rule-schema.js'
import { newAlert } from '../../../../hub/alerts/transitions.js'
import type { Database } from '../../../../hub/storage/db.js'
import { tempDir } from '../../../helpers/temp.js'
import { runAlertStoreSuite, type AlertStoreHarness } from './alert-store.case.js'

interface LevelAlertHarness extends AlertStoreHarness {
  db: Database
}

async function makeLevelHarness(): Promise<LevelAlertHarness> {
  const { dir, cleanup } = await tempDir('outpost-alert-store-')
  const open = async () => {
    const db: Database = new Level<string, any>(dir, { valueEncoding: 'json' })
    await db.open()
    return { db, store: new LevelAlertStore(db) }
  }
  const harness: LevelAlertHarness = {
    ...(await open()),
    async reopen() {
      await harness.db.close()
      Object.assign(harness, await open())
      return harness.store
    },
    async cleanup() {
      await harness.db.close()
      await cleanup()
    },
  }
  return harness
}

runAlertStoreSuite('LevelAlertStore', makeLevelHarness)

describe('LevelAlertStore on disk', () => {
  let harness: LevelAlertHarness | undefined
  afterEach(async () => harness?.cleanup())

  it('writes the layout of docs/storage.md: alerts by id, history by alert ! ts ! seq', async () => {
    harness = await makeLevelHarness()
    const rule = parseRule({ id: 'r', kind: 'threshold', metric: 'm', op: '>', threshold: 1 })
    const a = newAlert(rule, { key: 'k', labels: { device: 'd' }, value: 2, active: true, cleared: false, ts: 1_000 }, 1_000)
    await harness.store.write({ alerts: { put: [a] }, events: [{ alert: a.id, at: 1_000, from: null, to: 'pending' }] })
    const keys = (prefix: string) => harness!.db.sublevel<string, unknown>(prefix, { valueEncoding: 'json' }).keys().all()
    expect(await keys('alerts')).toEqual([a.id])
    expect(await keys('alert-events')).toEqual([`${a.id}!000000000001000!000000000`])
  })
})
