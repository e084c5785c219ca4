import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir, waitFor } from '../helpers/temp.js'
import { startAgent, startHub, type AgentProc, type HubProc } from './cluster-support.js'

// `outpost agent --hub a,b`: when its hub dies the agent moves to the next of the list, with its usual backoff and
// jitter, and nothing it buffered is lost (docs/cluster.md).
describe('agent with a list of hubs', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let a: HubProc
  let b: HubProc
  let agent: AgentProc

  beforeAll(async () => {
    dir = await tempDir('outpost-failover-')
    ;[a, b] = await Promise.all([startHub(dir.dir, 'hub-a', ['--insecure']), startHub(dir.dir, 'hub-b', ['--insecure'])])
    agent = await startAgent(dir.dir, 'dev-f', `${a.mqtt},${b.mqtt}`)
  }, 120_000)

  afterAll(async () => {
    await agent?.proc.stop()
    await Promise.all([a?.proc.stop(), b?.proc.stop()])
    await dir?.cleanup()
  }, 60_000)

  it('delivers to the first hub, then to the second once the first is killed', async () => {
    await waitFor(async () => (await a.metric('outpost_hub_batches_total')) >= 3, 60_000, 'batches on hub A')
    expect(await b.metric('outpost_hub_batches_total')).toBe(0)
    await a.proc.stop('SIGKILL')
    const acked = await agent.metric('outpost_agent_batches_acked_total')
    await waitFor(async () => (await b.metric('outpost_hub_batches_total')) >= 3, 60_000, 'batches on hub B')
    await waitFor(async () => (await agent.metric('outpost_agent_batches_acked_total')) >= acked + 3, 30_000, 'acks from hub B')
    // What was sent to A but not acked before the kill went to B: the buffer drains.
    await waitFor(async () => (await agent.metric('outpost_agent_batches_pending')) <= 1, 30_000, 'buffer drained')
    expect(agent.proc.output()).toMatch(new RegExp(`connected to hub.*${b.mqtt.replace(/[.]/g, '\\.')}`))
  }, 120_000)
})
