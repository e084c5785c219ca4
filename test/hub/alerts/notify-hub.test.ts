import { createServer } from 'node:net'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { api, newDeviceToken, newOperator, TestDevice } from '../../helpers/alerts.js'
import { TEST_ADMIN_TOKEN } from '../../helpers/hub.js'
import { runOutpost, spawnOutpost, type Proc } from '../../helpers/processes.js'
import { pagerDutyEvent, slackWebhook } from '../../helpers/service-payloads.js'
import { startServiceReceiver, type ServiceReceiver } from '../../helpers/service-receiver.js'
import { tempDir, waitFor } from '../../helpers/temp.js'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  await new Promise((r) => server.close(r))
  return port
}

const RULES = `
- {id: pressure-high, kind: threshold, metric: pump_pressure_bars, agg: last, op: ">", threshold: 5, severity: high}
- {id: temp-high, kind: threshold, metric: pump_temp_celsius, agg: last, op: ">", threshold: 80, severity: critical}
`

function hubYaml(pdUrl: string, slackUrl: string, extra = ''): string {
  return `
notifiers:
  - {kind: pagerduty, name: pager, routingKey: "\${PD_KEY}", url: "${pdUrl}", backoffMin: 200ms, backoffMax: 1s}
  - {kind: slack, name: chat, url: "${slackUrl}", backoffMin: 200ms, backoffMax: 1s}
route:
  receiver: chat
  group_by: [device]
  group_wait: 0s
  group_interval: 1s
  routes:
    - {receiver: pager, matchers: ["severity=critical"]}
${extra}`
}

// Issue 17 end to end: a real `outpost hub` with a route tree, local service receivers, a SIGKILL in between.
describe('notifications through a real hub process', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const procs: Proc[] = []
  const closers: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const c of closers.splice(0)) await c().catch(() => {})
    for (const p of procs.splice(0)) await p.stop('SIGKILL')
    await dir?.cleanup()
  })

  it('critical → pager (trigger, resolve, one dedup_key); the rest → chat, which was down through a SIGKILL and gets it once', async () => {
    dir = await tempDir()
    const pd = await startServiceReceiver({ schema: pagerDutyEvent, answer: (_p, b) => ({ status: 202, json: { status: 'success', dedup_key: b.dedup_key } }) })
    closers.push(pd.close)
    const slackPort = await freePort() // nothing listens yet: the chat receiver is down
    const config = join(dir.dir, 'hub.yaml')
    await writeFile(config, hubYaml(`${pd.url}/v2/enqueue`, `http://127.0.0.1:${slackPort}/services/T/B/X`))
    const rules = join(dir.dir, 'rules.yaml')
    await writeFile(rules, RULES)
    const [mqttPort, httpPort] = [await freePort(), await freePort()]
    const apiUrl = `http://127.0.0.1:${httpPort}`
    const startHub = async () => {
      const args = ['hub', '--config', config, '--host', '127.0.0.1', '--mqtt-port', String(mqttPort), '--http-port', String(httpPort), '--data', join(dir.dir, 'hub'), '--rules', rules]
      const proc = spawnOutpost(args, { OUTPOST_ADMIN_TOKEN: TEST_ADMIN_TOKEN, OUTPOST_ALERTS_EVAL_INTERVAL: '200ms', PD_KEY: 'pd-routing-key-secret' })
      procs.push(proc)
      await proc.waitFor(/API on http/, 30_000)
      return proc
    }
    const hub = await startHub()
    const deviceToken = await newDeviceToken(apiUrl, 'pump-1')
    let device = await TestDevice.connect(`mqtt://127.0.0.1:${mqttPort}`, 'pump-1', deviceToken)
    await device.send({ metrics: [{ name: 'pump_pressure_bars', value: 7 }, { name: 'pump_temp_celsius', value: 95 }] })

    const trigger = await waitFor(() => pd.accepted.find((c) => c.body.event_action === 'trigger'), 15_000, 'pagerduty trigger')
    expect(trigger.body.payload).toMatchObject({ source: 'pump-1', severity: 'critical', class: 'temp-high' })
    expect(pd.accepted).toHaveLength(1) // the high alert went to chat, not to the pager
    // The chat receiver is down: its message waits, retried, in the queue.
    await waitFor(async () => (await api(apiUrl).get('/v1/notifications?receiver=chat&status=retrying')).body.notifications.length > 0, 15_000, 'chat retrying')
    hub.child.kill('SIGKILL')
    await hub.exited
    await device.close().catch(() => {})

    const slack: ServiceReceiver = await startServiceReceiver({ schema: slackWebhook, port: slackPort })
    closers.push(slack.close)
    await startHub()
    await waitFor(() => slack.accepted.length > 0, 20_000, 'chat message after the restart')
    expect(slack.accepted[0].body.text).toContain('pressure-high')
    expect(slack.invalid).toEqual([])

    // Resolve the critical alert: the pager gets `resolve` with the trigger's dedup_key.
    device = await TestDevice.connect(`mqtt://127.0.0.1:${mqttPort}`, 'pump-1', deviceToken)
    closers.push(() => device.close())
    await device.send({ metrics: [{ name: 'pump_temp_celsius', value: 20 }] })
    const resolve = await waitFor(() => pd.accepted.find((c) => c.body.event_action === 'resolve'), 15_000, 'pagerduty resolve')
    expect(resolve.body.dedup_key).toBe(trigger.body.dedup_key)
    await new Promise((r) => setTimeout(r, 1500))
    expect(slack.accepted.filter((c) => c.body.text.includes('[FIRING')).length).toBe(1)
    expect(pd.accepted.map((c) => c.body.event_action)).toEqual(['trigger', 'resolve'])
    expect(pd.invalid).toEqual([])

    // The API: attempts are listed; operators may send a test message, viewers may not.
    const listed = (await api(apiUrl).get(`/v1/notifications?alert=${encodeURIComponent(trigger.body.dedup_key)}`)).body.notifications
    expect(listed.map((n: any) => n.status)).toContain('delivered')
    const operator = await newOperator(apiUrl)
    const asOperator = await fetch(`${apiUrl}/v1/receivers/chat/test`, { method: 'POST', headers: { authorization: `Bearer ${operator.token}` } })
    expect(asOperator.status).toBe(202)
    await waitFor(() => slack.accepted.some((c) => c.body.text.includes('test message')), 10_000, 'test message')
    const viewer = (await api(apiUrl).post('/v1/tokens', { role: 'viewer', name: 'v1' })).body.token
    expect((await fetch(`${apiUrl}/v1/receivers/chat/test`, { method: 'POST', headers: { authorization: `Bearer ${viewer}` } })).status).toBe(403)
    expect((await api(apiUrl).post('/v1/receivers/nobody/test')).status).toBe(404)
    // The secret from ${PD_KEY} reached PagerDuty and never the hub's output.
    expect(trigger.body.routing_key).toBe('pd-routing-key-secret')
    for (const p of procs) expect(p.output()).not.toContain('pd-routing-key-secret')
  }, 180_000) // two hub starts and a SIGKILL: minutes under a loaded machine, seconds alone

  it('bad config stops the hub naming the file and the key', async () => {
    dir = await tempDir()
    const check = async (yaml: string, expected: RegExp) => {
      const file = join(dir.dir, `bad-${Math.random().toString(36).slice(2)}.yaml`)
      await writeFile(file, yaml)
      const { code, output } = await runOutpost(['hub', '--config', file, '--data', join(dir.dir, 'hub'), '--mqtt-port', '0', '--http-port', '0'], { PD_KEY: 'k' })
      expect(code).toBe(2)
      expect(output).toContain(file)
      expect(output).toMatch(expected)
    }
    await check(hubYaml('http://127.0.0.1:9/pd', 'http://127.0.0.1:9/s', '    - {receiver: phones, matchers: ["team=ops"]}'), /route\.routes\[1\]\.receiver: unknown receiver "phones"/)
    await check(hubYaml('http://127.0.0.1:9/pd', 'http://127.0.0.1:9/s', '    - {receiver: chat, matchers: ["team~ops"]}'), /route\.routes\[1\]\.matchers\[0\]: bad matcher "team~ops"/)
    await check(hubYaml('http://127.0.0.1:9/pd', 'http://127.0.0.1:9/s').replace('backoffMin: 200ms, backoffMax: 1s}\n  - {kind: slack', 'backoffMin: 200ms, backoffMax: 1s}\n  - {kind: slack, title: "{{#alerts}}oops"'), /notifiers\[1\]\.title: template: section "\{\{#alerts\}\}" is never closed/)
    await check(hubYaml('http://127.0.0.1:9/pd', 'http://127.0.0.1:9/s').replace('"${PD_KEY}"', '"${NO_SUCH_VAR}"'), /notifiers\[0\]\.routingKey: environment variable NO_SUCH_VAR is not set/)
  }, 120_000) // four CLI processes
})
