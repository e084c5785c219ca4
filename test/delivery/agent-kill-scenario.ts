import { join } from 'node:path'
import { agentMetric, check, drained, freePort, hubDataOf, postProbes, startAgentProcess, startHubProcess, storedProbeCounts, type AgentProc, type HubProc } from './harness.js'

/**
 * kill -9 of the agent at random moments while it replays a backlog of 100,000 samples (the bandwidth cap keeps
 * the replay long enough to be interrupted), with live samples accepted between the kills.
 * `npm run soak` runs the same scenario with 50 kills.
 */
export async function agentKillScenario(dir: string, kills: number, log: (msg: string) => void = () => {}) {
  const mqttPort = await freePort()
  const listenPort = await freePort()
  const agentData = join(dir, 'agent')
  const startAgent = () => startAgentProcess(agentData, mqttPort, listenPort, ['--uplink-max-bytes-per-second', '40KiB'])
  let agent: AgentProc | undefined = await startAgent()
  let hub: HubProc | undefined
  try {
    // Hub down: all of it becomes backlog. At least 100,000 samples, more for longer soaks so every kill hits a replay.
    const backlog = Math.max(100_000, kills * 10_000)
    const accepted = (await postProbes(agent.ingest, 0, backlog, 1_000)).accepted
    // The agent is restarted every second or two on purpose: above the flapping guard's default (20 connections a
    // minute), which would ban it and stall the replay this scenario kills into (test/delivery/ban.test.ts covers the
    // ban itself). Delivery, not the guard, is under test here.
    hub = await startHubProcess(hubDataOf(dir), mqttPort, { OUTPOST_LIMITS_CONNECT_ATTEMPTS_PER_ID: '100000' })
    let next = backlog
    let killedDuringReplay = 0
    for (let k = 0; k < kills; k++) {
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 600))
      const pending = await agentMetric(listenPort, /^outpost_agent_batches_pending (\d+)$/m).catch(() => NaN)
      const connected = await agentMetric(listenPort, /^outpost_agent_connected (\d+)$/m).catch(() => NaN)
      // A replay is under way only while the agent is connected with a backlog.
      if (pending > 0 && connected === 1) killedDuringReplay++
      await agent.stop('SIGKILL')
      const out = agent.output().split('\n').filter((l) => !/ECONNREFUSED/.test(l) && l.trim()).slice(-5).join(' | ')
      if (out) log(`  agent said: ${out}`)
      agent = await startAgent()
      accepted.push(...(await postProbes(agent.ingest, next, 1_000, 250)).accepted)
      next += 1_000
      log(`kill ${k + 1}/${kills} at ${new Date().toISOString()}: ${pending} batches were pending`)
    }
    // The rest drains under the 40 KiB/s cap: allow twice what that takes, plus a minute.
    const backlogBytes = await agentMetric(listenPort, /^outpost_agent_buffer_bytes (\d+)$/m).catch(() => 0)
    const budgetMs = 60_000 + (2 * backlogBytes * 1000) / (40 * 1024)
    await drained(listenPort, budgetMs).catch((err: Error) => {
      throw new Error(`${err.message}\nbudget ${Math.round(budgetMs)} ms for ${backlogBytes} bytes; agent:\n${agent?.output().split('\n').slice(-30).join('\n')}`)
    })
    await agent.stop('SIGTERM')
    await hub.stop('SIGTERM')
    agent = hub = undefined
    return { killedDuringReplay, result: check(accepted, await storedProbeCounts(hubDataOf(dir))) }
  } finally {
    await agent?.stop('SIGKILL')
    await hub?.stop('SIGKILL')
  }
}
