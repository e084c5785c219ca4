// The alert store's conformance suite (aedes-persistence's abstract.js way): every backend runs it unchanged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newIncident } from '../../../../hub/alerts/incidents.js'
import { parseRule, type StoredRule } from '../../../../hub/alerts/rule-schema.js'
import type { Silence } from '../../../../hub/alerts/silences.js'
import type { AlertStore, OutboxEntry } from '../../../../hub/alerts/store/types.js'
import { fire, newAlert, resolve } from '../../../../hub/alerts/transitions.js'
import type { AlertRecord, HistoryEvent } from '../../../../hub/alerts/types.js'
import { handoverKey } from '../../../../hub/alerts/handover.js'

export interface AlertStoreHarness {
  store: AlertStore
  /** Closes the store and its database and opens them again from disk. */
  reopen(): Promise<AlertStore>
  cleanup(): Promise<void>
}

const rule = parseRule({ id: 'r', kind: 'threshold', metric: 'm', op: '>', threshold: 1 })
const stored = (id: string, threshold = 1): StoredRule => ({ ...parseRule({ id, kind: 'threshold', metric: 'm', op: '>', threshold }), source: 'api', updatedAt: 1 })
const obs = (key: string, ts: number, device = 'd') => ({ key, labels: { device }, value: 2, active: true, cleared: false, ts })
const alertAt = (key: string, ts: number, device = 'd'): AlertRecord => newAlert(rule, obs(key, ts, device), ts)
const silence = (id: string): Silence => ({ id, matchers: { device: 'd' }, reason: 'maintenance', author: 'ops', createdAt: 1, startsAt: 1, expiresAt: 10 })
const outbox = (id: string, alert: AlertRecord): OutboxEntry => ({
  id,
  notification: { incident: null, alerts: [{ id: alert.id, rule: 'r', device: alert.device, severity: alert.severity, state: 'firing', value: 2, startsAt: 1, endsAt: null, annotations: {}, labels: alert.labels }] },
})
const ids = (xs: Array<{ id: string }>) => xs.map((x) => x.id)

export function runAlertStoreSuite(name: string, makeHarness: () => Promise<AlertStoreHarness>): void {
  describe(`AlertStore conformance: ${name}`, () => {
    let harness: AlertStoreHarness
    let store: AlertStore
    beforeEach(async () => {
      harness = await makeHarness()
      store = harness.store
    })
    afterEach(async () => harness.cleanup())
    const reopen = async () => (store = await harness.reopen())

    it('starts empty', async () => {
      expect(await store.loadRules()).toEqual([])
      expect(await store.loadSilences()).toEqual([])
      expect(await store.loadOpenAlerts()).toEqual([])
      expect(await store.loadOpenIncidents()).toEqual([])
      expect(await store.loadOutbox()).toEqual([])
      expect(await store.getAlert('a-none')).toBeUndefined()
      expect(await store.history('a-none')).toEqual([])
      expect(await store.listAlerts(() => true, 10)).toEqual([])
      expect(await store.listIncidents(() => true, 10)).toEqual([])
    })

    it('keeps rules, silences, open alerts, open incidents and the outbox across a reopen, exactly', async () => {
      const open = alertAt('k1', 3_000)
      const firing = alertAt('k2', 4_000)
      fire(firing, 4_500, 4_500, [])
      const done = alertAt('k3', 1_000)
      resolve(done, 2_000, 2_000, [])
      const incident = newIncident('r', 1_000, 0)
      const closed = { ...newIncident('r', 500, 0), state: 'resolved' as const, endsAt: 900 }
      await store.write({
        rules: { put: [stored('r1'), stored('r2')] },
        alerts: { put: [open, firing, done] },
        silences: { put: [silence('s1')] },
        incidents: [incident, closed],
        outbox: [outbox('000000000002000-b', firing), outbox('000000000001000-a', open)],
      })
      await reopen()
      expect((await store.loadRules()).sort((a, b) => a.id.localeCompare(b.id))).toEqual([stored('r1'), stored('r2')])
      expect(await store.loadSilences()).toEqual([silence('s1')])
      expect((await store.loadOpenAlerts()).sort((a, b) => a.id.localeCompare(b.id))).toEqual([open, firing].sort((a, b) => a.id.localeCompare(b.id)))
      expect(await store.loadOpenIncidents()).toEqual([incident])
      expect(await store.loadOutbox()).toEqual([outbox('000000000001000-a', open), outbox('000000000002000-b', firing)])
      expect(await store.getAlert(done.id)).toEqual(done)
    })

    it('upserts and deletes rules, silences and alerts by id', async () => {
      const a = alertAt('k', 1_000)
      await store.write({ rules: { put: [stored('r1')] }, silences: { put: [silence('s1'), silence('s2')] }, alerts: { put: [a] } })
      await store.write({ rules: { put: [stored('r1', 5)] }, silences: { del: ['s1'] } })
      expect(await store.loadRules()).toEqual([stored('r1', 5)])
      expect(ids(await store.loadSilences())).toEqual(['s2'])
      await store.write({ rules: { del: ['r1', 'never-stored'] }, alerts: { put: [{ ...a, value: 7 }] } })
      expect(await store.loadRules()).toEqual([])
      expect((await store.getAlert(a.id))?.value).toBe(7)
      await store.write({ alerts: { del: [a.id] } })
      await reopen()
      expect(await store.getAlert(a.id)).toBeUndefined()
      expect(ids(await store.loadSilences())).toEqual(['s2'])
    })

    it('applies several writes as one, in order: the latest state of a record put twice, a dropped one deleted', async () => {
      const kept = alertAt('k', 1_000)
      const dropped = alertAt('k2', 1_000)
      const events: HistoryEvent[] = []
      const first = { alerts: { put: [kept, dropped] } }
      resolve(kept, 2_000, 2_000, events)
      await store.write(first, { alerts: { put: [kept], del: [dropped.id] }, events })
      await reopen()
      expect(await store.getAlert(kept.id)).toMatchObject({ state: 'resolved', endsAt: 2_000 })
      expect(await store.getAlert(dropped.id)).toBeUndefined()
      expect(await store.history(kept.id)).toEqual(events)
      // A put after a delete of the same key within one write stands.
      await store.write({ alerts: { del: [kept.id] } }, { alerts: { put: [kept] } })
      expect(await store.getAlert(kept.id)).toMatchObject({ state: 'resolved' })
    })

    it('keeps each alert\'s history apart, oldest first, in write order within one time', async () => {
      const a = alertAt('k', 1_000)
      const b = alertAt('k-b', 1_000)
      const ev = (alert: string, at: number, to: HistoryEvent['to']): HistoryEvent => ({ alert, at, from: 'pending', to })
      await store.write({ alerts: { put: [a, b] }, events: [ev(a.id, 3_000, 'firing'), ev(b.id, 1_500, 'firing'), ev(a.id, 2_000, 'notified')] })
      await store.write({ events: [ev(a.id, 3_000, 'acknowledged'), ev(a.id, 3_000, 'resolved')] })
      await reopen()
      expect((await store.history(a.id)).map((e) => `${e.at}:${e.to}`)).toEqual(['2000:notified', '3000:firing', '3000:acknowledged', '3000:resolved'])
      expect(await store.history(b.id)).toEqual([ev(b.id, 1_500, 'firing')])
    })

    it('lists alerts and incidents newest first through a filter, up to a limit', async () => {
      const alerts = [5_000, 1_000, 3_000, 2_000, 4_000].map((ts, i) => alertAt(`k${i}`, ts, i % 2 ? 'odd' : 'even'))
      const incidents = [3_000, 1_000, 2_000].map((ts) => newIncident(ts === 2_000 ? 'other' : 'r', ts, 0))
      await store.write({ alerts: { put: alerts }, incidents })
      const byTs = (xs: number[]) => xs.map((ts) => alerts.find((a) => a.activeAt === ts)!.id)
      expect(ids(await store.listAlerts(() => true, 10))).toEqual(byTs([5_000, 4_000, 3_000, 2_000, 1_000]))
      expect(ids(await store.listAlerts(() => true, 2))).toEqual(byTs([5_000, 4_000]))
      expect(ids(await store.listAlerts((a) => a.device === 'odd', 10))).toEqual(byTs([2_000, 1_000]))
      expect(ids(await store.listAlerts((a) => a.device === 'even', 2))).toEqual(byTs([5_000, 4_000]))
      expect((await store.listIncidents(() => true, 10)).map((i) => i.startsAt)).toEqual([3_000, 2_000, 1_000])
      expect((await store.listIncidents((i) => i.rule === 'r', 1)).map((i) => i.startsAt)).toEqual([3_000])
      // An incident written again replaces the stored one.
      await store.write({ incidents: [{ ...incidents[0], state: 'resolved', endsAt: 9_000 }] })
      expect((await store.listIncidents((i) => i.state === 'resolved', 10)).map((i) => i.endsAt)).toEqual([9_000])
      expect(await store.loadOpenIncidents()).toHaveLength(2)
    })

    it('deletes an outbox entry once every notifier had it, and only that one', async () => {
      const a = alertAt('k', 1_000)
      await store.write({ outbox: [outbox('000000000001000-a', a), outbox('000000000001000-b', a)] })
      await store.deleteOutbox('000000000001000-a')
      await store.deleteOutbox('000000000009999-never')
      await reopen()
      expect(ids(await store.loadOutbox())).toEqual(['000000000001000-b'])
    })

    it('prunes resolved alerts with their history and resolved incidents that ended before the cutoff', async () => {
      const events: HistoryEvent[] = []
      const old = alertAt('k1', 1_000)
      resolve(old, 2_000, 2_000, events)
      const recent = alertAt('k2', 5_000)
      resolve(recent, 9_000, 9_000, events)
      const open = alertAt('k3', 3_000)
      const oldIncident = { ...newIncident('r', 1_000, 0), state: 'resolved' as const, endsAt: 2_000 }
      const openIncident = newIncident('r', 1_500, 0)
      await store.write({ alerts: { put: [old, recent, open] }, events, incidents: [oldIncident, openIncident] })
      expect(await store.prune(5_000)).toEqual({ alerts: 1, incidents: 1 })
      expect(await store.prune(5_000)).toEqual({ alerts: 0, incidents: 0 })
      await reopen()
      expect(await store.getAlert(old.id)).toBeUndefined()
      expect(await store.history(old.id)).toEqual([])
      expect(await store.history(recent.id)).toHaveLength(1)
      expect(ids(await store.listAlerts(() => true, 10)).sort()).toEqual([recent.id, open.id].sort())
      expect(ids(await store.listIncidents(() => true, 10))).toEqual([openIncident.id])
    })

    it('purges one device\'s alerts with their history and their ids from incidents, and no other device\'s', async () => {
      const gone = alertAt('k1', 1_000, 'dev-1')
      const kept = alertAt('k2', 1_000, 'dev-10')
      const incident = { ...newIncident('r', 1_000, 0), alerts: [gone.id, kept.id], firing: [gone.id] }
      const ev = (alert: string): HistoryEvent => ({ alert, at: 1_000, from: null, to: 'pending' })
      await store.write({ alerts: { put: [gone, kept] }, events: [ev(gone.id), ev(kept.id)], incidents: [incident] })
      expect(await store.purgeDevice('dev-1')).toEqual({ alerts: 1 })
      await reopen()
      expect(await store.getAlert(gone.id)).toBeUndefined()
      expect(await store.history(gone.id)).toEqual([])
      expect(await store.getAlert(kept.id)).toEqual(kept)
      expect(await store.history(kept.id)).toEqual([ev(kept.id)])
      expect(await store.loadOpenIncidents()).toEqual([{ ...incident, alerts: [kept.id], firing: [] }])
    })

    it('takes concurrent writes without losing any', async () => {
      const alerts = Array.from({ length: 50 }, (_, i) => alertAt(`k${i}`, 1_000 + i))
      await Promise.all(alerts.map((a) => store.write({ alerts: { put: [a] }, events: [{ alert: a.id, at: a.activeAt, from: null, to: 'pending' }] })))
      expect(await store.loadOpenAlerts()).toHaveLength(50)
      for (const a of alerts.slice(0, 5)) expect(await store.history(a.id)).toHaveLength(1)
    })

    it('keeps the hand-over inbox until a write takes a batch out with its evaluated seqs, across a reopen', async () => {
      const batch = (seq: number) => ({ v: 1, dev: 'd', ep: 'e1', seq, at: 1_000, m: { s: [{ n: 'm', t: 'gauge', l: {} }], t: [1_000 + seq], i: [0], v: new Float64Array([seq]) } }) as any
      const entry = (seq: number) => ({ key: handoverKey('d', 'e1', seq), device: 'd', batch: batch(seq), shift: 5, at: 2_000 + seq })
      await store.putHandover(entry(2))
      await store.putHandover(entry(1))
      await store.putHandover(entry(1)) // a resend lands on its first copy
      await reopen()
      expect(await store.loadHandover()).toEqual([entry(1), entry(2)])
      expect(await store.loadEvaluated('d', 'e1')).toEqual([])
      await store.write({ alerts: { put: [alertAt('k1', 1_000)] }, handover: { done: [entry(1).key], evaluated: [{ device: 'd', ep: 'e1', ranges: [[1, 1]] }] } })
      await reopen()
      expect(await store.loadHandover()).toEqual([entry(2)])
      expect(await store.loadEvaluated('d', 'e1')).toEqual([[1, 1]])
      expect(await store.loadEvaluated('d', 'e2')).toEqual([])
      expect(await store.loadOpenAlerts()).toHaveLength(1)
    })
  })
}
