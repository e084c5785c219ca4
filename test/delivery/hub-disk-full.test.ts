import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { mosquittoSub, newOperator, untilSubscribed } from '../helpers/alerts.js'
import { startReceiver } from '../helpers/webhook-receiver.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { mountSmallFs, type SmallFs } from '../helpers/small-fs.js'
import { ADMIN, agentMetric, check, drained, freePort, postProbes, startAgentProcess, startHubProcess, storedProbeCounts, type AgentProc, type HubProc } from './harness.js'

// Issue 11, item 5: the hub's database on a 64 MiB tmpfs mounted for the test, its free space taken by a filler file
// while the agent keeps sending (real `outpost hub` and `outpost agent` processes on loopback). `hub:storage_full`
// reaches the notifiers though their durable queues are on that disk: a webhook receiver that answers at once, one
// that fails until the space is back (it gets the alert from the durable queue then), and MQTT (mosquitto_sub).
describe('hub on a full disk', { timeout: 180_000 }, () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let fs: SmallFs | undefined
  let hub: HubProc | undefined
  let agent: AgentProc | undefined
  const closers: Array<() => Promise<void>> = []
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    for (const close of closers.splice(0)) await close()
    await agent?.stop('SIGKILL')
    await hub?.stop('SIGKILL')
    agent = hub = undefined
    await fs?.unmount()
    fs = undefined
    await dir.cleanup()
  })

  it('answers no ack, raises the storage_full alert and goes unready; resumes by itself when space returns, nothing lost', async (ctx) => {
    const mounted = await mountSmallFs(dir.dir, 64)
    if ('unavailable' in mounted) return ctx.skip(mounted.unavailable)
    fs = mounted
    const hubData = join(fs.dir, 'hub')
    const mqttPort = await freePort()
    const listenPort = await freePort()
    const [up, down] = [await startReceiver(), await startReceiver()]
    closers.push(up.close, down.close)
    const config = join(dir.dir, 'hub.yaml')
    await writeFile(config, `notifiers:\n  - {kind: webhook, url: "${up.url}", backoffMin: 200ms, backoffMax: 400ms}\n  - {kind: webhook, url: "${down.url}", backoffMin: 200ms, backoffMax: 400ms}\n`)
    hub = await startHubProcess(hubData, mqttPort, {}, ['--config', config])
    const sub = mosquittoSub(`mqtt://127.0.0.1:${mqttPort}`, await newOperator(hub.api), { topic: 'outpost/v1/alerts/critical/hub/hub.storage_full' })
    closers.push(sub.stop)
    await untilSubscribed(sub)
    const storageFull = (r: ReturnType<typeof startReceiver> extends Promise<infer R> ? R : never, state: string) =>
      r.accepted.flatMap((b: any) => b.alerts).find((a: any) => a.rule === 'hub:storage_full' && a.state === state)
    agent = await startAgentProcess(join(dir.dir, 'agent'), mqttPort, listenPort)
    const api = (path: string) => fetch(hub!.api + path, { headers: { authorization: `Bearer ${ADMIN}` } })
    const accepted = (await postProbes(agent.ingest, 0, 5_000)).accepted
    await drained(listenPort)
    expect((await api('/readyz')).status).toBe(200)

    // The disk fills up (another process's files) while data keeps coming; one receiver is down meanwhile.
    down.failNext(1_000, 503)
    await fs.fill(128 * 1024)
    let next = 5_000
    await waitFor(async () => {
      accepted.push(...(await postProbes(agent!.ingest, next, 1_000)).accepted)
      next += 1_000
      return (await api('/readyz')).status === 503
    }, 60_000, 'the hub to go unready on the full disk')
    const readyz = await (await api('/readyz')).json()
    expect(readyz.status).toBe('unready')
    expect(readyz.reason).toMatch(/storage full .*No space left on device/)
    const alerts = (await (await api('/v1/alerts?state=firing')).json()).alerts
    const full = alerts.find((a: any) => a.rule === 'hub:storage_full')
    expect(full, JSON.stringify(alerts)).toMatchObject({ device: 'hub', severity: 'critical', status: 'firing' })
    expect((await api(`/v1/alerts/${encodeURIComponent(full.id)}`)).status).toBe(200)
    const metrics = await (await api('/metrics')).text()
    expect(metrics).toMatch(/^outpost_hub_storage_full 1$/m)
    // Sent at once without the database: the receiver that answers has it, MQTT has it (retained), the one down not.
    const sent = await waitFor(() => storageFull(up, 'firing'), 30_000, 'storage_full posted to the webhook while full')
    expect(sent).toMatchObject({ id: full.id, device: 'hub', severity: 'critical' })
    expect(sent.notification).toMatch(/^\d{15}-[0-9a-f]{12}$/)
    const published = await waitFor(() => sub.alerts().find((m) => m.alert.rule === 'hub:storage_full'), 30_000, 'storage_full on MQTT while full')
    expect(published).toMatchObject({ retained: false, alert: { state: 'firing', notification: sent.notification } })
    expect(down.calls()).toBeGreaterThan(0)
    expect(storageFull(down, 'firing')).toBeUndefined()

    // Nothing is acked while full: what the agent sends now stays in its buffer.
    accepted.push(...(await postProbes(agent.ingest, next, 2_000)).accepted)
    next += 2_000
    await new Promise((r) => setTimeout(r, 2_000))
    const pending = await agentMetric(listenPort, /^outpost_agent_batches_pending (\d+)$/m)
    expect(pending).toBeGreaterThanOrEqual(4)
    expect(hub.child.exitCode).toBeNull()

    // Space comes back: the hub reopens its database by itself and takes the backlog.
    down.recover()
    const released = Date.now()
    await fs.release()
    await waitFor(async () => (await api('/readyz')).status === 200, 60_000, 'the hub to be ready again')
    const recoveredMs = Date.now() - released
    accepted.push(...(await postProbes(agent.ingest, next, 1_000)).accepted)
    await drained(listenPort, 90_000)
    const drainedMs = Date.now() - released
    // The receiver that was down gets the firing from the durable queue, then both get the resolved; MQTT too.
    await waitFor(() => storageFull(down, 'resolved') && storageFull(up, 'resolved'), 60_000, 'storage_full resolved to both webhooks')
    const resolvedMs = Date.now() - released
    expect(storageFull(down, 'firing')).toMatchObject({ id: full.id, notification: sent.notification })
    expect(down.accepted.flatMap((b: any) => b.alerts).map((a: any) => a.state)).toEqual(['firing', 'resolved'])
    expect(up.accepted.flatMap((b: any) => b.alerts).map((a: any) => a.state)).toEqual(['firing', 'resolved'])
    await waitFor(() => sub.alerts().some((m) => m.alert.rule === 'hub:storage_full' && m.alert.state === 'resolved'), 30_000, 'storage_full resolved on MQTT')
    expect((await (await api('/v1/alerts?state=firing')).json()).alerts.some((a: any) => a.rule === 'hub:storage_full')).toBe(false)
    expect(await (await api('/metrics')).text()).toMatch(/^outpost_hub_batches_rejected_total\{reason="storage_full"\} [1-9]/m)
    console.log(`full disk on the hub: ready again ${recoveredMs} ms after the space returned, backlog delivered after ${drainedMs} ms, storage_full resolved on the webhooks after ${resolvedMs} ms (load ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')})`)

    expect(await agent.stop('SIGTERM')).toBe(0)
    expect(await hub.stop('SIGTERM'), hub.output()).toBe(0)
    agent = hub = undefined
    const result = check(accepted, await storedProbeCounts(hubData))
    expect(result).toEqual({ accepted: accepted.length, stored: accepted.length, lost: 0, duplicated: 0, unexpected: 0 })
  })
})
