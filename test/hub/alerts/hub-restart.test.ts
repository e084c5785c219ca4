import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { TEST_ADMIN_TOKEN } from '../../helpers/hub.js'
import { spawnOutpost, type Proc } from '../../helpers/processes.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { api, mosquittoSub, newDeviceToken, newOperator, TestDevice, untilSubscribed } from '../../helpers/alerts.js'
import { startReceiver } from '../../helpers/webhook-receiver.js'

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  await new Promise((r) => server.close(r))
  return port
}

const RULES = `
- id: pressure-high
  kind: threshold
  metric: pump_pressure_bars
  agg: last
  op: ">"
  threshold: 5
  severity: high
- id: temp-high
  kind: threshold
  metric: pump_temp_celsius
  agg: last
  op: ">"
  threshold: 80
  for: 12s
  severity: critical
`

// Issue 6: alert state survives `kill -9` of a real hub process: no re-notification, no pending timer lost.
describe('alert state through SIGKILL of a real hub process', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const procs: Proc[] = []
  const subs: Array<ReturnType<typeof mosquittoSub>> = []
  afterEach(async () => {
    for (const s of subs.splice(0)) await s.stop()
    for (const p of procs.splice(0)) await p.stop('SIGKILL')
    await dir.cleanup()
  })

  it('after the restart the firing alert is not sent again and the pending one fires on time', async () => {
    dir = await tempDir()
    const rulesFile = join(dir.dir, 'rules.yaml')
    await writeFile(rulesFile, RULES)
    const [mqttPort, httpPort] = [await freePort(), await freePort()]
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
    const apiUrl = `http://127.0.0.1:${httpPort}`
    const startHub = async () => {
      const args = ['hub', '--host', '127.0.0.1', '--mqtt-port', String(mqttPort), '--http-port', String(httpPort), '--data', join(dir.dir, 'hub'), '--rules', rulesFile]
      const proc = spawnOutpost(args, { OUTPOST_ADMIN_TOKEN: TEST_ADMIN_TOKEN, OUTPOST_ALERTS_EVAL_INTERVAL: '200ms' })
      procs.push(proc)
      await proc.waitFor(/API on http/, 30_000)
      return proc
    }

    const hub = await startHub()
    // The hub runs secured, as `outpost hub` does by default: the device and the operators have credentials.
    const deviceToken = await newDeviceToken(apiUrl, 'pump-1')
    const before = mosquittoSub(mqttUrl, await newOperator(apiUrl))
    subs.push(before)
    await untilSubscribed(before)
    const device = await TestDevice.connect(mqttUrl, 'pump-1', deviceToken)
    await device.send({ metrics: [{ name: 'pump_pressure_bars', value: 7 }, { name: 'pump_temp_celsius', value: 95 }] })
    await waitFor(() => before.alerts().find((m) => m.alert.rule === 'pressure-high'), 15_000, 'pressure-high firing')
    const pending = await waitFor(async () => (await api(apiUrl).get('/v1/alerts?rule=temp-high&state=pending')).body.alerts[0], 10_000, 'temp-high pending')
    const fireAt = pending.activeAt + 12_000
    expect(Date.now()).toBeLessThan(fireAt - 2_000)

    hub.child.kill('SIGKILL')
    await hub.exited
    await device.close().catch(() => {})
    await before.stop()
    expect(before.alerts().map((m) => m.alert.rule)).toEqual(['pressure-high'])

    await startHub()
    // -R: only messages published from now on, not the retained ones a (re)subscriber is given.
    const after = mosquittoSub(mqttUrl, await newOperator(apiUrl), { skipRetained: true })
    subs.push(after)
    await untilSubscribed(after)
    expect(Date.now()).toBeLessThan(fireAt)
    // No new samples after the restart: the persisted pending timer alone fires it.
    const fired = await waitFor(() => after.alerts().find((m) => m.alert.rule === 'temp-high'), 20_000, 'temp-high firing after restart')
    expect(fired.alert).toMatchObject({ id: pending.id, state: 'firing', startsAt: fireAt })
    expect(fired.at).toBeGreaterThanOrEqual(fireAt)
    expect(fired.at - fireAt).toBeLessThan(3_000)
    await new Promise((r) => setTimeout(r, 1_500))
    expect(after.alerts().map((m) => m.alert.rule)).toEqual(['temp-high'])

    // The firing alert is still retained for subscribers that arrive now (restored, not re-sent).
    const late = mosquittoSub(mqttUrl, await newOperator(apiUrl))
    subs.push(late)
    const retained = await waitFor(() => (late.alerts().length >= 2 ? late.alerts() : undefined), 10_000, 'retained alerts')
    expect(retained.every((m) => m.retained)).toBe(true)
    expect(retained.map((m) => m.alert.rule).sort()).toEqual(['pressure-high', 'temp-high'])
    const listed = await api(apiUrl).get('/v1/alerts?state=firing')
    expect(listed.body.alerts.map((a: { rule: string }) => a.rule).sort()).toEqual(['pressure-high', 'temp-high'])
  })

  it('a webhook queued while its receiver is down survives SIGKILL of the hub (notifiers from the hub config file)', async () => {
    dir = await tempDir()
    const probe = await startReceiver()
    const hookPort = probe.port
    await probe.close()
    const config = join(dir.dir, 'hub.yaml')
    await writeFile(config, `notifiers:\n  - {kind: webhook, url: "http://127.0.0.1:${hookPort}/hook", backoffMin: 200ms, backoffMax: 400ms}\n`)
    const rulesFile = join(dir.dir, 'rules.yaml')
    await writeFile(rulesFile, RULES)
    const mqttPort = await freePort()
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
    const startHub = async () => {
      const args = ['hub', '--config', config, '--host', '127.0.0.1', '--mqtt-port', String(mqttPort), '--http-port', '0', '--data', join(dir.dir, 'hub'), '--rules', rulesFile]
      const proc = spawnOutpost(args, { OUTPOST_ADMIN_TOKEN: TEST_ADMIN_TOKEN })
      procs.push(proc)
      const m = await proc.waitFor(/API on (http:\/\/127\.0\.0\.1:\d+)/, 30_000)
      return Object.assign(proc, { api: m[1] })
    }
    const hub = await startHub()
    const device = await TestDevice.connect(mqttUrl, 'pump-1', await newDeviceToken(hub.api, 'pump-1'))
    await device.gauge('pump_pressure_bars', 7)
    await waitFor(async () => (await api(hub.api).get('/v1/alerts?state=firing')).body.alerts[0]?.notified, 15_000, 'alert notified')
    // Let a few delivery attempts fail against the closed port.
    await new Promise((r) => setTimeout(r, 700))
    hub.child.kill('SIGKILL')
    await hub.exited
    await device.close().catch(() => {})

    const receiver = await startReceiver({ port: hookPort })
    try {
      await startHub()
      await waitFor(() => receiver.accepted.length > 0, 20_000, 'webhook delivery after the restart')
      await new Promise((r) => setTimeout(r, 1_000))
      expect(receiver.accepted).toHaveLength(1)
      expect(receiver.accepted[0].alerts).toEqual([expect.objectContaining({ rule: 'pressure-high', device: 'pump-1', state: 'firing', value: 7 })])
    } finally {
      await receiver.close()
    }
  })
})
