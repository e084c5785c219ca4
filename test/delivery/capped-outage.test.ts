import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { readdir, stat } from 'node:fs/promises'
import { tempDir } from '../helpers/temp.js'
import { agentMetric, check, drained, freePort, hubDataOf, postProbes, startAgentProcess, startHubProcess, storedProbeCounts, type AgentProc, type HubProc } from './harness.js'

const CAP = 4 * 1024 * 1024

async function dirBytes(dir: string): Promise<number> {
  let total = 0
  for (const e of await readdir(dir, { withFileTypes: true })) {
    // A compaction may delete a file between the listing and the stat.
    if (e.isFile()) total += await stat(join(dir, e.name)).then((s) => s.size, () => 0)
  }
  return total
}

describe('a capped buffer through an outage longer than it can hold', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: HubProc | undefined
  let agent: AgentProc | undefined
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await agent?.stop('SIGKILL')
    await hub?.stop('SIGKILL')
    await dir.cleanup()
  })

  it('drops oldest, and the drop count equals the gap in the store exactly; disk stays within one LevelDB file of the cap', { timeout: 120_000 }, async () => {
    const mqttPort = await freePort()
    const listenPort = await freePort()
    const agentData = join(dir.dir, 'agent')
    agent = await startAgentProcess(agentData, mqttPort, listenPort, ['--buffer-max-bytes', String(CAP)])
    const perBatch = 1_000
    const accepted: number[] = []
    let maxDisk = 0
    // The hub is down: ~11 MB of samples into a 4 MiB buffer.
    for (let start = 0; start < 1_000_000; start += 50_000) {
      accepted.push(...(await postProbes(agent.ingest, start, 50_000, perBatch)).accepted)
      maxDisk = Math.max(maxDisk, await dirBytes(agentData))
    }
    expect(accepted).toHaveLength(1_000_000) // drop_oldest keeps accepting
    const droppedBatches = await agentMetric(listenPort, /^outpost_agent_dropped_batches_total\{reason="buffer_full"\} (\d+)$/m)
    expect(droppedBatches).toBeGreaterThan(0)
    // LevelDB's file size for this cap is 1 MiB (a sixteenth of the cap, at least 1 MiB).
    expect(maxDisk).toBeLessThanOrEqual(CAP + 1024 * 1024)

    hub = await startHubProcess(hubDataOf(dir.dir), mqttPort)
    await drained(listenPort, 90_000)
    await agent.stop('SIGTERM')
    await hub.stop('SIGTERM')
    agent = hub = undefined
    const result = check(accepted, await storedProbeCounts(hubDataOf(dir.dir)))
    expect(result.duplicated).toBe(0)
    expect(result.unexpected).toBe(0)
    // The agent also buffered one batch of its own metrics (one collect at start; the interval is 1 h): the oldest.
    const ownBatchesStored = (await storedProbeCounts(hubDataOf(dir.dir), 'probe-dev', 'outpost_agent_connected')).size
    expect(ownBatchesStored).toBeLessThanOrEqual(1)
    // Every lost sample is accounted for by a counted drop, exactly, and only the oldest were dropped.
    expect(result.lost / perBatch + (1 - ownBatchesStored)).toBe(droppedBatches)
    expect(result.lost % perBatch).toBe(0)
    const stored = await storedProbeCounts(hubDataOf(dir.dir))
    let lowest = Infinity
    for (const v of stored.keys()) lowest = Math.min(lowest, v)
    expect(lowest).toBe(result.lost + 0.5)
  })
})
