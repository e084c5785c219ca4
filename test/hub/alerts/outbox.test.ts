import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { freePort } from '../../delivery/harness.js'
import { TEST_ADMIN_TOKEN } from '../../helpers/hub.js'
import { spawnOutpost, type Proc } from '../../helpers/processes.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { mosquittoSub, newDeviceToken, newOperator, TestDevice } from '../../helpers/alerts.js'
import { startReceiver } from '../../helpers/webhook-receiver.js'

const RULES = `
- id: pressure-high
  kind: threshold
  metric: pump_pressure_bars
  agg: last
  op: ">"
  threshold: 5
  severity: high
`

// Issue 11: a hub SIGKILLed between the alert state write and the notification announces it on restart, on MQTT as
// on webhooks (one durable outbox), with the notification's id in the message so a subscriber can drop a repeat.
describe('alert notifications through SIGKILL between the state write and the announcement', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const procs: Proc[] = []
  const subs: Array<ReturnType<typeof mosquittoSub>> = []
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined
  afterEach(async () => {
    for (const s of subs.splice(0)) await s.stop()
    for (const p of procs.splice(0)) await p.stop('SIGKILL')
    await receiver?.close()
    receiver = undefined
    await dir.cleanup()
  })

  it('are sent after the restart, once, carrying the notification id', { timeout: 90_000 }, async () => {
    dir = await tempDir()
    receiver = await startReceiver()
    const config = join(dir.dir, 'hub.yaml')
    await writeFile(config, `notifiers:\n  - {kind: webhook, url: "http://127.0.0.1:${receiver.port}/hook", backoffMin: 200ms, backoffMax: 400ms}\n`)
    const rulesFile = join(dir.dir, 'rules.yaml')
    await writeFile(rulesFile, RULES)
    const [mqttPort, httpPort] = [await freePort(), await freePort()]
    const mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
    const apiUrl = `http://127.0.0.1:${httpPort}`
    const startHub = async (env: Record<string, string> = {}) => {
      const args = ['hub', '--config', config, '--host', '127.0.0.1', '--mqtt-port', String(mqttPort), '--http-port', String(httpPort), '--data', join(dir.dir, 'hub'), '--rules', rulesFile]
      const proc = spawnOutpost(args, { OUTPOST_ADMIN_TOKEN: TEST_ADMIN_TOKEN, OUTPOST_ALERTS_EVAL_INTERVAL: '200ms', ...env })
      procs.push(proc)
      await proc.waitFor(/API on http/, 30_000)
      return proc
    }

    const hub = await startHub({ OUTPOST_TEST_CRASH_AFTER_ALERT_WRITE: '1' })
    const deviceToken = await newDeviceToken(apiUrl, 'pump-1')
    const operator = await newOperator(apiUrl)
    const device = await TestDevice.connect(mqttUrl, 'pump-1', deviceToken)
    await device.send({ metrics: [{ name: 'pump_pressure_bars', value: 7 }] })
    // The state write lands, then the hub dies before any notifier has the notification.
    await hub.exited
    expect(hub.output()).toMatch(/test hook: SIGKILL after an alert state write/)
    await device.close().catch(() => {})
    expect(receiver.accepted).toHaveLength(0)

    await startHub()
    await waitFor(() => receiver!.accepted.length > 0, 20_000, 'webhook post after the restart')
    const posted = receiver.accepted[0].alerts[0]
    expect(posted).toMatchObject({ rule: 'pressure-high', device: 'pump-1', state: 'firing', value: 7 })
    expect(posted.notification).toMatch(/^\d{15}-[0-9a-f]{12}$/)
    // The MQTT topic has it too, published (the bare restore of a retained topic carries no notification id).
    const late = mosquittoSub(mqttUrl, operator)
    subs.push(late)
    const got = await waitFor(() => late.alerts().find((m) => m.alert.rule === 'pressure-high'), 15_000, 'retained alert')
    expect(got.alert).toMatchObject({ state: 'firing', notification: posted.notification })
    // Announced once: the outbox entry is gone after the restart's announcement.
    await new Promise((r) => setTimeout(r, 1_500))
    expect(receiver.accepted).toHaveLength(1)
  })
})
