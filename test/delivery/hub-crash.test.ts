import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { tempDir } from '../helpers/temp.js'
import { check, drained, freePort, hubDataOf, postProbes, startAgentProcess, startHubProcess, storedProbeCounts, type AgentProc, type HubProc } from './harness.js'

// Real processes on loopback: `outpost hub` and `outpost agent`; the checker reads the stopped hub's LevelDB.
describe('delivery across hub crashes (exactly once in the store)', { timeout: 120_000 }, () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: HubProc | undefined
  let agent: AgentProc | undefined
  let mqttPort = 0
  let listenPort = 0
  beforeEach(async () => {
    dir = await tempDir()
    mqttPort = await freePort()
    listenPort = await freePort()
  })
  afterEach(async () => {
    await agent?.stop('SIGKILL')
    await hub?.stop('SIGKILL')
    agent = hub = undefined
    await dir.cleanup()
  })

  const startAgent = () => startAgentProcess(join(dir.dir, 'agent'), mqttPort, listenPort)
  const finish = async () => {
    await drained(listenPort)
    const agentCode = await agent!.stop('SIGTERM')
    expect(agentCode, `agent exit; output:\n${agent!.output()}`).toBe(0)
    const hubCode = await hub!.stop('SIGTERM')
    expect(hubCode, `hub exit; output:\n${hub!.output()}`).toBe(0)
    agent = hub = undefined
    return storedProbeCounts(hubDataOf(dir.dir))
  }

  it('hub SIGKILLed and restarted on the same data dir while samples keep being accepted: every sample stored once', async () => {
    hub = await startHubProcess(hubDataOf(dir.dir), mqttPort)
    agent = await startAgent()
    const accepted: number[] = []
    accepted.push(...(await postProbes(agent.ingest, 0, 10_000)).accepted)
    await hub.stop('SIGKILL')
    accepted.push(...(await postProbes(agent.ingest, 10_000, 10_000)).accepted) // hub down: buffered
    await new Promise((r) => setTimeout(r, 500))
    hub = await startHubProcess(hubDataOf(dir.dir), mqttPort)
    accepted.push(...(await postProbes(agent.ingest, 20_000, 10_000)).accepted)
    const result = check(accepted, await finish())
    expect(result).toEqual({ accepted: 30_000, stored: 30_000, lost: 0, duplicated: 0, unexpected: 0 })
  })

  it('SIGTERM with the hub unreachable keeps the whole backlog; the restarted agent resumes and delivers it once', async () => {
    agent = await startAgent() // no hub yet
    const accepted = (await postProbes(agent.ingest, 0, 20_000)).accepted
    expect(await agent.stop('SIGTERM')).toBe(0)
    agent = await startAgent()
    accepted.push(...(await postProbes(agent.ingest, 20_000, 5_000)).accepted)
    hub = await startHubProcess(hubDataOf(dir.dir), mqttPort)
    const result = check(accepted, await finish())
    expect(result).toEqual({ accepted: 25_000, stored: 25_000, lost: 0, duplicated: 0, unexpected: 0 })
  })

  it('hub killed between its write and its ack: the agent resends, stored twice = 0', async () => {
    hub = await startHubProcess(hubDataOf(dir.dir), mqttPort, { OUTPOST_TEST_CRASH_AFTER_WRITE: '5' })
    agent = await startAgent()
    const accepted = (await postProbes(agent.ingest, 0, 5_000)).accepted
    await hub.waitFor(/SIGKILL after a durable write/, 10_000).catch(() => undefined)
    await hub.exited
    hub = await startHubProcess(hubDataOf(dir.dir), mqttPort)
    accepted.push(...(await postProbes(agent.ingest, 5_000, 1_000)).accepted)
    const result = check(accepted, await finish())
    expect(result).toEqual({ accepted: 6_000, stored: 6_000, lost: 0, duplicated: 0, unexpected: 0 })
  })

  it('control: with dedup switched off (test-only) the same crash makes the checker see duplicates', async () => {
    const noDedup = { OUTPOST_TEST_DEDUP_OFF: '1' }
    hub = await startHubProcess(hubDataOf(dir.dir), mqttPort, { ...noDedup, OUTPOST_TEST_CRASH_AFTER_WRITE: '5' })
    agent = await startAgent()
    const accepted = (await postProbes(agent.ingest, 0, 5_000)).accepted
    await hub.exited
    hub = await startHubProcess(hubDataOf(dir.dir), mqttPort, noDedup)
    const result = check(accepted, await finish())
    expect(result.lost).toBe(0)
    expect(result.duplicated).toBeGreaterThan(0)
  })
})
