import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Delivery } from '../../../../hub/alerts/notifiers/channel.js'
import type { Notifier } from '../../../../hub/alerts/notifiers/types.js'
import { buildRouting } from '../../../../hub/alerts/routing/route-tree.js'
import { Router } from '../../../../hub/alerts/routing/router.js'
import type { AlertMessage } from '../../../../hub/alerts/types.js'
import { silent, tempDir } from '../../../helpers/temp.js'
import { alertMessage } from '../notifiers/notifier.case.js'

/** A receiver that keeps what the router hands it (the router's contract is the Delivery, tested here). */
class Inbox implements Notifier {
  readonly got: Delivery[] = []
  readonly acks: string[] = []
  constructor(readonly name: string) {}
  async notify(): Promise<void> {
    throw new Error('the router uses enqueue')
  }
  async enqueue(d: Delivery): Promise<void> {
    this.got.push(d)
  }
  async acknowledge(a: AlertMessage): Promise<void> {
    this.acks.push(a.id)
  }
  /** Each message as `id:state` lists. */
  messages(): string[][] {
    return this.got.map((d) => d.notification.alerts.map((a) => `${a.id}:${a.state}`))
  }
}

const alert = (id: string, labels: Record<string, string>, over: Partial<AlertMessage> = {}) =>
  alertMessage({ id, device: labels.device ?? 'dev-1', rule: labels.rule ?? 'cpu-hot', severity: (labels.severity as AlertMessage['severity']) ?? 'high', labels, ...over })

describe('router', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let db: Level<string, any>
  let now: number
  let inboxes: Map<string, Inbox>
  let router: Router | undefined
  beforeEach(async () => {
    dir = await tempDir()
    db = new Level<string, any>(join(dir.dir, 'db'), { valueEncoding: 'json' })
    await db.open()
    now = Date.parse('2026-12-07T10:00:00Z')
    inboxes = new Map(['chat', 'pager', 'boss'].map((n) => [n, new Inbox(n)]))
  })
  afterEach(async () => {
    await router?.stop()
    router = undefined
    await db.close()
    await dir.cleanup()
  })
  const start = async (config: unknown) => {
    router = new Router({ routing: buildRouting(config, new Set(inboxes.keys()))!, receivers: inboxes as Map<string, Notifier>, db, clock: () => now, log: silent, tickMs: 3_600_000 })
    await router.start()
    return router
  }
  const at = async (ms: number) => {
    now += ms
    await router!.tick()
  }
  const chat = () => inboxes.get('chat')!
  const pager = () => inboxes.get('pager')!

  it('critical → pager, the rest → chat; group_wait holds, group_interval batches, resolved follow', async () => {
    const r = await start({ route: { receiver: 'chat', group_by: ['site'], group_wait: '30s', group_interval: '5m', routes: [{ receiver: 'pager', matchers: ['severity=critical'], group_wait: '0s' }] } })
    await r.notify({ incident: null, alerts: [alert('a1', { site: 'north', severity: 'critical' })] })
    await r.notify({ incident: null, alerts: [alert('a2', { site: 'north' }), alert('a3', { site: 'north' }), alert('a4', { site: 'south' })] })
    await at(0)
    expect(pager().messages()).toEqual([['a1:firing']])
    expect(chat().messages()).toEqual([])
    await at(29_000)
    expect(chat().messages()).toEqual([])
    await at(1_000)
    // Grouped by site: one message per site.
    expect(chat().messages().map((m) => m.sort())).toEqual([['a2:firing', 'a3:firing'], ['a4:firing']])
    expect(chat().got[0].groupLabels).toEqual({ site: 'north' })
    // A new alert and a resolve in the north group wait for group_interval, then go together.
    await r.notify({ incident: null, alerts: [alert('a5', { site: 'north' }), alert('a2', { site: 'north' }, { state: 'resolved', endsAt: now })] })
    await at(60_000)
    expect(chat().got).toHaveLength(2)
    await at(240_000)
    expect(chat().messages()[2].sort()).toEqual(['a2:resolved', 'a3:firing', 'a5:firing'])
    // Nothing new: nothing sent at the next interval; repeat_interval (default 4h) not reached.
    await at(300_000)
    expect(chat().got).toHaveLength(3)
  })

  it('repeat_interval re-sends a firing group', async () => {
    const r = await start({ route: { receiver: 'chat', group_wait: '0s', group_interval: '1m', repeat_interval: '10m' } })
    await r.notify({ incident: null, alerts: [alert('a1', {})] })
    await at(0)
    for (let i = 0; i < 10; i++) await at(60_000)
    expect(chat().messages()).toEqual([['a1:firing'], ['a1:firing']])
  })

  it('continue: true sends to both routes', async () => {
    const r = await start({ route: { receiver: 'chat', group_wait: 0, routes: [{ receiver: 'pager', matchers: ['team=ops'], continue: true }, { receiver: 'boss', matchers: ['team=ops'] }] } })
    await r.notify({ incident: null, alerts: [alert('a1', { team: 'ops' })] })
    await at(0)
    expect([pager().got.length, inboxes.get('boss')!.got.length, chat().got.length]).toEqual([1, 1, 0])
  })

  it('a mute interval holds the message until it ends', async () => {
    // 2026-12-07 is a Monday; mute 10:00-11:00 in UTC.
    const r = await start({
      route: { receiver: 'chat', group_wait: 0, group_interval: '5m', mute_time_intervals: ['standup'] },
      time_intervals: [{ name: 'standup', time_intervals: [{ weekdays: ['monday:friday'], times: [{ start_time: '10:00', end_time: '11:00' }] }] }],
    })
    await r.notify({ incident: null, alerts: [alert('a1', {})] })
    await at(0)
    await at(30 * 60_000)
    expect(chat().got).toEqual([])
    expect(r.counters.muted).toBeGreaterThan(0)
    await at(30 * 60_000)
    expect(chat().messages()).toEqual([['a1:firing']])
  })

  it('inhibition: a device offline inhibits its other alerts', async () => {
    const r = await start({
      route: { receiver: 'chat', group_wait: 0, group_by: ['...'] },
      inhibit_rules: [{ source_matchers: ['rule=offline'], target_matchers: ['rule!=offline'], equal: ['device'] }],
    })
    await r.notify({ incident: null, alerts: [alert('off', { rule: 'offline', device: 'pump-1' })] })
    await r.notify({ incident: null, alerts: [alert('cpu1', { rule: 'cpu-hot', device: 'pump-1' }), alert('cpu2', { rule: 'cpu-hot', device: 'pump-2' })] })
    await at(0)
    expect(chat().messages().flat().sort()).toEqual(['cpu2:firing', 'off:firing'])
    expect(r.counters.inhibited).toBeGreaterThan(0)
  })

  it('escalation: not acknowledged after `after` goes to the next receiver; an ack stops the chain', async () => {
    const r = await start({ route: { receiver: 'chat', group_wait: 0, escalate: [{ after: '15m', receiver: 'pager' }, { after: '30m', receiver: 'boss' }] } })
    await r.notify({ incident: null, alerts: [alert('a1', { device: 'pump-1' }), alert('a2', { device: 'pump-2' })] })
    await at(0)
    expect(chat().got).toHaveLength(1)
    await at(14 * 60_000)
    expect(pager().got).toEqual([])
    await at(60_000)
    expect(pager().messages().flat().sort()).toEqual(['a1:firing', 'a2:firing'])
    // a1 is acknowledged: it stops; a2 goes on to boss at 30m.
    await r.acknowledge(alert('a1', { device: 'pump-1' }))
    expect(pager().acks).toEqual(['a1'])
    await at(15 * 60_000)
    expect(inboxes.get('boss')!.messages()).toEqual([['a2:firing']])
    // Resolving tells those it was escalated to.
    await r.notify({ incident: null, alerts: [alert('a2', { device: 'pump-2' }, { state: 'resolved', endsAt: now })] })
    expect(inboxes.get('boss')!.messages().at(-1)).toEqual(['a2:resolved'])
  })

  it('groups and timers survive a restart', async () => {
    const config = { route: { receiver: 'chat', group_wait: '1m', escalate: [{ after: '10m', receiver: 'pager' }] } }
    let r = await start(config)
    await r.notify({ incident: null, alerts: [alert('a1', {})] })
    await at(10_000)
    await r.stop()
    router = undefined
    r = await start(config)
    await at(50_000)
    expect(chat().messages()).toEqual([['a1:firing']])
    await at(10 * 60_000)
    expect(pager().messages()).toEqual([['a1:firing']])
  })
})
