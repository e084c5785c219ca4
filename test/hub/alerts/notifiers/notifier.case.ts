import { afterEach, beforeEach, expect, it } from 'vitest'
import type { Notifier } from '../../../../hub/alerts/notifiers/types.js'
import type { AlertMessage } from '../../../../hub/alerts/types.js'
import { waitFor } from '../../../helpers/temp.js'

/** What a notifier's test provides: the notifier on real parts, and what its receiver got, in order. */
export interface NotifierHarness {
  notifier: Notifier
  received(): AlertMessage[]
  close(): Promise<void>
}

export function alertMessage(over: Partial<AlertMessage> = {}): AlertMessage {
  return {
    id: 'a-0001764600000000-0badcafe',
    rule: 'cpu-hot',
    device: 'dev-1',
    severity: 'high',
    state: 'firing',
    value: 0.97,
    startsAt: 1764600000000,
    endsAt: null,
    annotations: { summary: 'CPU hot on dev-1: 0.97' },
    labels: { device: 'dev-1', rule: 'cpu-hot', severity: 'high', team: 'ops' },
    ...over,
  }
}

/** The conformance suite every alert notifier's test runs (STYLE: one shared case suite per interface). */
export function notifierConformance(make: () => Promise<NotifierHarness>): void {
  let h: NotifierHarness
  beforeEach(async () => {
    h = await make()
    await h.notifier.start?.()
  })
  afterEach(async () => {
    await h.notifier.stop?.()
    await h.close()
  })

  it('delivers a firing alert with every DESIGN §10 field intact', async () => {
    const m = alertMessage()
    await h.notifier.notify({ incident: 'i-1', alerts: [m] })
    const got = await waitFor(() => h.received()[0], 10_000, 'delivery')
    expect(got).toEqual(m)
  })

  it('delivers resolved after firing, in order, each once', async () => {
    await h.notifier.notify({ incident: 'i-1', alerts: [alertMessage()] })
    await h.notifier.notify({ incident: 'i-1', alerts: [alertMessage({ state: 'resolved', value: 0.5, endsAt: 1764600060000 })] })
    await waitFor(() => h.received().length >= 2, 10_000, 'two deliveries')
    await new Promise((r) => setTimeout(r, 200))
    expect(h.received().map((m) => m.state)).toEqual(['firing', 'resolved'])
    expect(h.received()[1]).toMatchObject({ value: 0.5, endsAt: 1764600060000 })
  })

  it('delivers every alert of a grouped notification', async () => {
    const alerts = ['dev-1', 'dev-2', 'dev-3'].map((device, i) => alertMessage({ id: `a-${i}`, device, labels: { device } }))
    await h.notifier.notify({ incident: 'i-2', alerts })
    await waitFor(() => h.received().length >= 3, 10_000, 'three alerts')
    expect(h.received().map((m) => m.device).sort()).toEqual(['dev-1', 'dev-2', 'dev-3'])
  })

  it('restoring firing alerts after a restart sends nothing', async () => {
    await h.notifier.restore?.([alertMessage()])
    await h.notifier.notify({ incident: null, alerts: [alertMessage({ id: 'a-marker', rule: 'marker' })] })
    await waitFor(() => h.received().length >= 1, 10_000, 'marker')
    await new Promise((r) => setTimeout(r, 200))
    expect(h.received().map((m) => m.id)).toEqual(['a-marker'])
  })
}
