import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { buildRouting, groupOf, inhibited, matchRoutes } from '../../../../hub/alerts/routing/route-tree.js'
import { inTimeInterval, buildTimeIntervals } from '../../../../hub/alerts/routing/time-intervals.js'
import { parseMatcher, matches } from '../../../../hub/alerts/routing/matchers.js'

// Alertmanager's documented example (prometheus.io/docs/alerting/latest/configuration/#example), with its
// receivers named as notifiers here.
const AM_EXAMPLE = parse(`
route:
  receiver: default-receiver
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
  group_by: [cluster, alertname]
  routes:
  - receiver: database-pager
    group_wait: 10s
    matchers:
    - service=~"mysql|cassandra"
  - receiver: frontend-pager
    group_by: [product, environment]
    matchers:
    - team="frontend"
  - receiver: dev-pager
    matchers:
      - service="inhouse-service"
    mute_time_intervals:
      - offhours
      - holidays
    continue: true
  - receiver: on-call-pager
    matchers:
      - service="inhouse-service"
    active_time_intervals:
      - offhours
      - holidays
time_intervals:
- name: offhours
  time_intervals:
  - times:
    - start_time: "20:00"
      end_time: "23:00"
    weekdays: ["monday:friday"]
    location: Europe/Berlin
- name: holidays
  time_intervals:
  - months: ["december"]
    days_of_month: ["24:26"]
`)
const RECEIVERS = new Set(['default-receiver', 'database-pager', 'frontend-pager', 'dev-pager', 'on-call-pager'])

describe('routing tree (Alertmanager semantics)', () => {
  const routing = buildRouting(AM_EXAMPLE, RECEIVERS)!
  const receivers = (labels: Record<string, string>) => matchRoutes(routing.route, labels).map((r) => r.receiver)

  it("routes Alertmanager's documented example as Alertmanager does", () => {
    expect(receivers({ service: 'mysql', cluster: 'c1' })).toEqual(['database-pager'])
    expect(receivers({ service: 'cassandra' })).toEqual(['database-pager'])
    expect(receivers({ service: 'mysql2' })).toEqual(['default-receiver']) // regexes are anchored
    expect(receivers({ team: 'frontend' })).toEqual(['frontend-pager'])
    // continue: true on dev-pager lets the alert go on to on-call-pager too.
    expect(receivers({ service: 'inhouse-service' })).toEqual(['dev-pager', 'on-call-pager'])
    // The first matching child wins without continue.
    expect(receivers({ service: 'mysql', team: 'frontend' })).toEqual(['database-pager'])
    expect(receivers({ anything: 'else' })).toEqual(['default-receiver'])
  })

  it('children inherit group_by and timings; their own override', () => {
    const [db] = matchRoutes(routing.route, { service: 'mysql' })
    expect(db).toMatchObject({ groupBy: ['cluster', 'alertname'], groupWait: 10_000, groupInterval: 300_000, repeatInterval: 14_400_000 })
    const [fe] = matchRoutes(routing.route, { team: 'frontend' })
    expect(fe.groupBy).toEqual(['product', 'environment'])
    expect(groupOf(fe, { product: 'shop', environment: 'prod', x: '1' }).labels).toEqual({ product: 'shop', environment: 'prod' })
  })

  it('critical → pager, the rest → chat, over rule, device and severity', () => {
    const r = buildRouting({ route: { receiver: 'chat', routes: [{ receiver: 'pager', matchers: ['severity="critical"'] }, { receiver: 'chat', matchers: ['rule=~"disk-.*"', 'device!="lab-1"'] }] } }, new Set(['chat', 'pager']))!
    expect(matchRoutes(r.route, { severity: 'critical', rule: 'cpu', device: 'd' }).map((x) => x.receiver)).toEqual(['pager'])
    expect(matchRoutes(r.route, { severity: 'high', rule: 'disk-full', device: 'd' }).map((x) => x.path)).toEqual(['route.routes[1]'])
    expect(matchRoutes(r.route, { severity: 'high', rule: 'disk-full', device: 'lab-1' }).map((x) => x.path)).toEqual(['route'])
  })

  it('time intervals: weekdays and times in a time zone, days of month', () => {
    const t = buildTimeIntervals(AM_EXAMPLE.time_intervals, 'time_intervals')
    const offhours = t.get('offhours')!
    // Monday 2026-12-07 19:30 UTC is 20:30 in Berlin (CET, UTC+1): inside.
    expect(inTimeInterval(offhours, Date.parse('2026-12-07T19:30:00Z'))).toBe(true)
    expect(inTimeInterval(offhours, Date.parse('2026-12-07T18:30:00Z'))).toBe(false)
    // Saturday evening: not a weekday in the range.
    expect(inTimeInterval(offhours, Date.parse('2026-12-12T19:30:00Z'))).toBe(false)
    const holidays = t.get('holidays')!
    expect(inTimeInterval(holidays, Date.parse('2026-12-25T12:00:00Z'))).toBe(true)
    expect(inTimeInterval(holidays, Date.parse('2026-12-27T12:00:00Z'))).toBe(false)
  })

  it('matchers: =, !=, =~, !~, quoted values; unset labels read as empty', () => {
    const l = { team: 'ops', site: 'north' }
    expect(matches([parseMatcher('team=ops', 'k')], l)).toBe(true)
    expect(matches([parseMatcher('team!="ops"', 'k')], l)).toBe(false)
    expect(matches([parseMatcher('site=~"no.*"', 'k')], l)).toBe(true)
    expect(matches([parseMatcher('site!~"no.*"', 'k')], l)).toBe(false)
    expect(matches([parseMatcher('zone=""', 'k')], l)).toBe(true)
  })

  it('inhibition: a device offline inhibits its other alerts, not other devices', () => {
    const r = buildRouting({ route: { receiver: 'chat' }, inhibit_rules: [{ source_matchers: ['rule="offline"'], target_matchers: ['rule!="offline"'], equal: ['device'] }] }, new Set(['chat']))!
    const offline = { id: 'a1', labels: { rule: 'offline', device: 'pump-1' } }
    expect(inhibited(r.inhibit, { id: 'a2', labels: { rule: 'cpu-hot', device: 'pump-1' } }, [offline])).toBe(true)
    expect(inhibited(r.inhibit, { id: 'a3', labels: { rule: 'cpu-hot', device: 'pump-2' } }, [offline])).toBe(false)
    expect(inhibited(r.inhibit, offline, [offline])).toBe(false)
  })

  it('bad config names the key: unknown receiver, bad matcher, unknown time interval, bad duration', () => {
    const bad = (cfg: unknown) => () => buildRouting(cfg, new Set(['chat']))
    expect(bad({ route: { receiver: 'chat', routes: [{ receiver: 'pager' }] } })).toThrow(/^route\.routes\[0\]\.receiver: unknown receiver "pager"; receivers: chat$/)
    expect(bad({ route: { receiver: 'chat', routes: [{ matchers: ['severity=="x"'] }] } })).toThrow(/^route\.routes\[0\]\.matchers\[0\]: bad matcher/)
    expect(bad({ route: { receiver: 'chat', routes: [{ matchers: ['a=~"("'] }] } })).toThrow(/^route\.routes\[0\]\.matchers\[0\]: bad matcher/)
    expect(bad({ route: { receiver: 'chat', mute_time_intervals: ['never'] } })).toThrow(/^route\.mute_time_intervals\[0\]: unknown time interval "never"/)
    expect(bad({ route: { receiver: 'chat', group_wait: 'soon' } })).toThrow(/^route\.group_wait: expected a duration/)
    expect(bad({ route: { receiver: 'chat', escalate: [{ after: '15m', receiver: 'boss' }] } })).toThrow(/^route\.escalate\[0\]\.receiver: unknown receiver "boss"/)
    expect(bad({ route: { routes: [] } })).toThrow(/^route\.receiver: the root route needs a receiver/)
    expect(bad({ route: { receiver: 'chat', grouping: [] } })).toThrow(/^route\.grouping: unknown option/)
  })

  it('without a route there is no routing', () => {
    expect(buildRouting({}, new Set())).toBeUndefined()
  })
})
