import { afterEach, describe, expect, it } from 'vitest'
import { LevelAlertStore } from '../../../../hub/alerts/store/level-alert-store.js'
import { parseRule } from '../../../../hub/alerts/rule-schema.js'
import { newAlert } from '../../../../hub/alerts/transitions.js'
import { levelStoreHarness } from '../../../helpers/level-store-harness.js'
import { runAlertStoreSuite } from './alert-store.case.js'

const makeLevelHarness = () => levelStoreHarness((db) => new LevelAlertStore(db), 'outpost-alert-store-')

runAlertStoreSuite('LevelAlertStore', makeLevelHarness)

describe('LevelAlertStore on disk', () => {
  let harness: Awaited<ReturnType<typeof makeLevelHarness>> | undefined
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
