import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { AlertStore } from '../../../hub/alerts/alert-store.js'
import { parseRule } from '../../../hub/alerts/rule-schema.js'
import { newAlert, resolve } from '../../../hub/alerts/transitions.js'
import { newIncident } from '../../../hub/alerts/incidents.js'
import type { HistoryEvent } from '../../../hub/alerts/types.js'
import { tempDir } from '../../helpers/temp.js'
import { startTestHub } from '../../helpers/hub.js'

describe('alert persistence and bounds', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let db: Level<string, any>
  beforeEach(async () => {
    dir = await tempDir()
    db = new Level<string, any>(join(dir.dir, 'db'), { valueEncoding: 'json' })
    await db.open()
  })
  afterEach(async () => {
    await db.close()
    await dir.cleanup()
  })

  it('keeps open alerts across reopen and prunes resolved ones past retention with their history', async () => {
    const rule = parseRule({ id: 'r', kind: 'threshold', metric: 'm', op: '>', threshold: 1 })
    const obs = (ts: number) => ({ key: `k${ts}`, labels: { device: 'd' }, value: 2, active: true, cleared: false, ts })
    const events: HistoryEvent[] = []
    const old = newAlert(rule, obs(1_000), 1_000)
    resolve(old, 2_000, 2_000, events)
    const recent = newAlert(rule, obs(5_000), 5_000)
    resolve(recent, 9_000, 9_000, events)
    const open = newAlert(rule, obs(3_000), 3_000)
    const incident = { ...newIncident('r', 1_000, 0), state: 'resolved' as const, endsAt: 2_000 }
    let store = new AlertStore(db)
    await store.write({ alerts: { put: [old, recent, open] }, events, incidents: [incident] })
    expect(await store.history(old.id)).toHaveLength(1)

    store = new AlertStore(db)
    expect((await store.loadOpenAlerts()).map((a) => a.id)).toEqual([open.id])
    expect(await store.prune(5_000)).toEqual({ alerts: 1, incidents: 1 })
    expect(await store.getAlert(old.id)).toBeUndefined()
    expect(await store.history(old.id)).toEqual([])
    expect(await store.history(recent.id)).toHaveLength(1)
    expect((await store.listAlerts(() => true, 10)).map((a) => a.id).sort()).toEqual([recent.id, open.id].sort())
  })

  it('several writes as one batch keep their order: the latest state of a record put twice, a dropped one deleted', async () => {
    const rule = parseRule({ id: 'r', kind: 'threshold', metric: 'm', op: '>', threshold: 1 })
    const obs = { key: 'k', labels: { device: 'd' }, value: 2, active: true, cleared: false, ts: 1_000 }
    const kept = newAlert(rule, obs, 1_000)
    const dropped = newAlert(rule, { ...obs, key: 'k2' }, 1_000)
    const events: HistoryEvent[] = []
    const first = { alerts: { put: [kept, dropped] } }
    resolve(kept, 2_000, 2_000, events)
    const store = new AlertStore(db)
    await store.write(first, { alerts: { put: [kept], del: [dropped.id] }, events })
    expect(await store.getAlert(kept.id)).toMatchObject({ state: 'resolved', endsAt: 2_000 })
    expect(await store.getAlert(dropped.id)).toBeUndefined()
    expect(await store.history(kept.id)).toHaveLength(events.length)
  })

  it('a flood beyond the evaluation backlog is all evaluated; the calls over the bound return a wait, counted', async () => {
    const hub = await startTestHub(dir.dir, { testing: { alertMaxBacklog: 2 } })
    try {
      const engine = hub.hub.alertEngine!
      const batch = { v: 1, dev: 'd', ep: 'e', seq: 1, at: 0 }
      const waits = Array.from({ length: 5 }, () => engine.onBatch('d', batch, 0))
      expect(waits.map((w) => w !== undefined)).toEqual([false, false, true, true, true])
      await Promise.all(waits)
      await engine.idle()
      expect(engine.counters).toMatchObject({ batches: 5, waits: 3 })
      expect(await (await fetch(`${hub.apiUrl}/metrics`)).text()).toMatch(/outpost_hub_alert_ingest_waits_total 3\n/)
    } finally {
      await hub.stop()
    }
  })
})
