import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { open, readdir, stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '../helpers/temp.js'
import { ADMIN, agentMetric, check, drained, freePort, hubDataOf, postProbes, startAgentProcess, startHubProcess, storedProbeCounts, type AgentProc, type HubProc } from './harness.js'

/** Flips 64 bytes in the middle of a file. */
async function flipBytes(path: string): Promise<void> {
  const size = (await stat(path)).size
  const file = await open(path, 'r+')
  try {
    const at = Math.floor(size / 2)
    const buf = Buffer.alloc(64)
    await file.read(buf, 0, 64, at)
    for (let k = 0; k < 64; k++) buf[k] ^= 0xff
    await file.write(buf, 0, 64, at)
  } finally {
    await file.close()
  }
}

describe("damage in the agent's buffer directory", () => {
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

  it('bytes flipped and a file truncated: the agent starts within 5 s (4 clean starts under load), quarantines and counts, delivers the rest', { timeout: 240_000 }, async () => {
    const mqttPort = await freePort()
    const listenPort = await freePort()
    const agentData = join(dir.dir, 'agent')
    // Small LevelDB files (cap 16 MiB → 1 MiB files), so the backlog spans several table files.
    const args = ['--buffer-max-bytes', '16MiB']
    const cleanStart = Date.now()
    agent = await startAgentProcess(agentData, mqttPort, listenPort, args)
    const cleanStartMs = Date.now() - cleanStart
    const perBatch = 1_000
    const accepted = (await postProbes(agent.ingest, 0, 300_000, perBatch)).accepted
    expect(await agent.stop('SIGTERM')).toBe(0)
    const firstRun = agent.output().split('\n').filter((l) => !/ECONNREFUSED/.test(l)).join('\n')
    // A second baseline beside the empty start: the same backlog undamaged, on the machine's load of the moment.
    const backlogStart = Date.now()
    agent = await startAgentProcess(agentData, mqttPort, listenPort, args)
    const backlogStartMs = Date.now() - backlogStart
    expect(await agent.stop('SIGTERM')).toBe(0)

    const tables = (await readdir(agentData)).filter((f) => f.endsWith('.ldb')).sort()
    expect(tables.length).toBeGreaterThanOrEqual(2)
    await flipBytes(join(agentData, tables[0]))
    const last = join(agentData, tables[tables.length - 1])
    await truncate(last, Math.floor((await stat(last)).size / 2))

    const started = Date.now()
    agent = await startAgentProcess(agentData, mqttPort, listenPort, args)
    // Within 5 s, or, when the machine is so loaded that a clean start takes long, within four clean starts (the
    // repair runs in a child process: one more start of Node); a start that scanned the backlog would take longer.
    const damagedStartMs = Date.now() - started
    console.log(`start after damage ${damagedStartMs} ms; clean starts: empty ${cleanStartMs} ms, with the backlog ${backlogStartMs} ms`)
    expect(damagedStartMs).toBeLessThan(Math.max(5_000, 4 * Math.max(cleanStartMs, backlogStartMs)))
    hub = await startHubProcess(hubDataOf(dir.dir), mqttPort)
    await drained(listenPort, 90_000).catch((err: Error) => {
      throw new Error(`${err.message}\nagent (exit ${agent?.child.exitCode ?? agent?.child.signalCode ?? 'running'}):\n${agent?.output()}`)
    })
    // The counter appears once something was counted; 0 until then.
    const corrupt = (await agentMetric(listenPort, /^outpost_agent_dropped_batches_total\{reason="corrupt"\} (\d+)$/m)) || 0
    const agentSaid = agent.output()
    const hubSaid = hub.output()
    const hubDevice = await fetch(`${hub.api}/v1/devices/probe-dev`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.text())
    await agent.stop('SIGTERM')
    await hub.stop('SIGTERM')
    agent = hub = undefined

    const stored = await storedProbeCounts(hubDataOf(dir.dir))
    const result = check(accepted, stored)
    const lostBatches = [...new Set(accepted.filter((v) => !stored.has(v)).map((v) => Math.floor(v / perBatch)))]
    if (result.lost / perBatch > corrupt) {
      console.log(`UNCOUNTED LOSS: batches ${JSON.stringify(lostBatches)} (by post order), corrupt=${corrupt}\nhub device: ${hubDevice}\nhub: ${hubSaid}\nfirst run:\n${firstRun}\nagent:\n${agentSaid.split('\n').filter((l) => !/ECONNREFUSED/.test(l)).join('\n')}`)
    }
    // Nothing altered or doubled reaches the hub; everything missing is counted as corrupt, by whole batches.
    expect(result).toMatchObject({ duplicated: 0, unexpected: 0 })
    expect(result.lost % perBatch).toBe(0)
    // (Whether the flipped and truncated files still held live records when the agent stopped depends on LevelDB's
    // own compactions, so the damage may also land on entries already superseded: then nothing is lost.)
    expect(result.lost / perBatch).toBeLessThanOrEqual(corrupt)
    // How much survives depends on where the damage lands (LevelDB's repair keeps a table's entries up to its first
    // bad block); what survives is delivered.
    expect(result.stored).toBeGreaterThan(0)
  })
})
