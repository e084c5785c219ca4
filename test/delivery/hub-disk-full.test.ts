import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { tempDir, waitFor } from '../helpers/temp.js'
import { mountSmallFs, type SmallFs } from '../helpers/small-fs.js'
import { ADMIN, agentMetric, check, drained, freePort, postProbes, startAgentProcess, startHubProcess, storedProbeCounts, type AgentProc, type HubProc } from './harness.js'

// Issue 11, item 5: the hub's database on a 64 MiB tmpfs mounted for the test, its free space taken by a filler file
// while the agent keeps sending (real `outpost hub` and `outpost agent` processes on loopback).
describe('hub on a full disk', { timeout: 180_000 }, () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let fs: SmallFs | undefined
  let hub: HubProc | undefined
  let agent: AgentProc | undefined
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
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
    hub = await startHubProcess(hubData, mqttPort)
    agent = await startAgentProcess(join(dir.dir, 'agent'), mqttPort, listenPort)
    const api = (path: string) => fetch(hub!.api + path, { headers: { authorization: `Bearer ${ADMIN}` } })
    const accepted = (await postProbes(agent.ingest, 0, 5_000)).accepted
    await drained(listenPort)
    expect((await api('/readyz')).status).toBe(200)

    // The disk fills up (another process's files) while data keeps coming.
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

    // Nothing is acked while full: what the agent sends now stays in its buffer.
    accepted.push(...(await postProbes(agent.ingest, next, 2_000)).accepted)
    next += 2_000
    await new Promise((r) => setTimeout(r, 2_000))
    const pending = await agentMetric(listenPort, /^outpost_agent_batches_pending (\d+)$/m)
    expect(pending).toBeGreaterThanOrEqual(4)
    expect(hub.child.exitCode).toBeNull()

    // Space comes back: the hub reopens its database by itself and takes the backlog.
    const released = Date.now()
    await fs.release()
    await waitFor(async () => (await api('/readyz')).status === 200, 60_000, 'the hub to be ready again')
    const recoveredMs = Date.now() - released
    accepted.push(...(await postProbes(agent.ingest, next, 1_000)).accepted)
    await drained(listenPort, 90_000)
    const drainedMs = Date.now() - released
    expect((await (await api('/v1/alerts?state=firing')).json()).alerts.some((a: any) => a.rule === 'hub:storage_full')).toBe(false)
    expect(await (await api('/metrics')).text()).toMatch(/^outpost_hub_batches_rejected_total\{reason="storage_full"\} [1-9]/m)
    console.log(`full disk on the hub: ready again ${recoveredMs} ms after the space returned, backlog delivered after ${drainedMs} ms`)

    expect(await agent.stop('SIGTERM')).toBe(0)
    expect(await hub.stop('SIGTERM'), hub.output()).toBe(0)
    agent = hub = undefined
    const result = check(accepted, await storedProbeCounts(hubData))
    expect(result).toEqual({ accepted: accepted.length, stored: accepted.length, lost: 0, duplicated: 0, unexpected: 0 })
  })
})
