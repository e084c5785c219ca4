import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { runOutpost } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'

const HUB_YAML = `
notifiers:
  - {kind: slack, name: chat, url: "https://hooks.slack.com/services/T/B/X"}
  - {kind: pagerduty, name: pager, routingKey_file: KEYFILE}
  - {kind: email, name: boss, host: smtp.example.com, from: outpost@example.com, to: boss@example.com}
route:
  receiver: chat
  group_by: [site]
  routes:
    - {receiver: pager, matchers: ['severity="critical"'], group_wait: 10s, escalate: [{after: 15m, receiver: boss}]}
    - {receiver: chat, matchers: ['rule=~"disk-.*"'], continue: true, mute_time_intervals: [nights]}
    - {receiver: boss, matchers: ['site=north']}
inhibit_rules:
  - {source_matchers: [rule=offline], target_matchers: [rule!=offline], equal: [device]}
time_intervals:
  - {name: nights, time_intervals: [{times: [{start_time: "22:00", end_time: "24:00"}], location: Europe/Berlin}]}
`

describe('outpost config check', () => {
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined
  afterEach(async () => {
    await dir?.cleanup()
    dir = undefined
  })

  const write = async (text: string) => {
    const d = (dir ??= await tempDir())
    const keyFile = join(d.dir, 'pd-key')
    await writeFile(keyFile, 'rk-from-a-file\n')
    const file = join(d.dir, `hub-${Math.random().toString(36).slice(2)}.yaml`)
    await writeFile(file, text.replace('KEYFILE', keyFile))
    return file
  }

  it('validates a hub YAML and prints the routes a label set takes', async () => {
    const file = await write(HUB_YAML)
    const ok = await runOutpost(['config', 'check', file])
    expect(ok.code).toBe(0)
    expect(ok.output).toContain(`${file}: ok`)
    expect(ok.output).toContain('receivers: boss, chat, pager')
    expect(ok.output).toContain('route tree: 4 routes, 1 inhibit rules')

    const critical = await runOutpost(['config', 'check', file, '--route', 'severity=critical,site=north,device=pump-1'])
    expect(critical.code).toBe(0)
    expect(critical.output).toMatch(/route\.routes\[0\] → pager {2}group \{"site":"north"\} {2}wait 10s, interval 5m, repeat 4h; escalates to boss after 15m/)
    expect(critical.output).not.toContain('route.routes[2]')

    const disk = await runOutpost(['config', 'check', file, '--route', 'rule=disk-full,site=north'])
    expect(disk.output).toMatch(/route\.routes\[1\] → chat .*muted in its mute_time_intervals/)
    expect(disk.output).toMatch(/route\.routes\[2\] → boss/)

    const other = await runOutpost(['config', 'check', file, '--route', 'rule=cpu-hot,site=south'])
    expect(other.output).toMatch(/^route → chat {2}group \{"site":"south"\}/m)
  }, 120_000) // four CLI processes

  it('a bad config exits 2 naming the file and the key, and never prints a secret', async () => {
    const unknown = await write(HUB_YAML.replace('{receiver: boss, matchers', '{receiver: phones, matchers'))
    const r1 = await runOutpost(['config', 'check', unknown])
    expect(r1.code).toBe(2)
    expect(r1.output).toContain(`${unknown}: route.routes[2].receiver: unknown receiver "phones"`)
    const badTemplate = await write(HUB_YAML.replace('url: "https://hooks.slack.com/services/T/B/X"', 'url: "https://hooks.slack.com/services/T/B/X", body: "{{/alerts}}"'))
    const r2 = await runOutpost(['config', 'check', badTemplate])
    expect(r2.code).toBe(2)
    expect(r2.output).toContain(`${badTemplate}: notifiers[0].body: template: "{{/alerts}}" closes nothing`)
    const badKey = await write(HUB_YAML.replace('routingKey_file: KEYFILE', 'routingKey_file: /nonexistent/pd'))
    const r3 = await runOutpost(['config', 'check', badKey])
    expect(r3.output).toContain('notifiers[1].routingKey_file: cannot read secret file: ENOENT')
    const ok = await runOutpost(['config', 'check', await write(HUB_YAML)])
    expect(ok.output).not.toContain('rk-from-a-file')
  }, 120_000)
})
