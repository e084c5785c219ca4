import type { Agent } from '../agent/agent.js'
import { builtinCollectors, createCollectors } from '../agent/collectors/registry.js'
import type { CollectorPlugin } from '../agent/collectors/types.js'
import type { Registry } from '../kit/plugin.js'
import { RemoteControl } from '../agent/remote/remote-control.js'
import { parseSamplingOptions } from '../agent/sampling/options.js'
import { TraceSampler } from '../agent/sampling/sampler.js'
import type { SettingOrigin } from './config.js'
import { agentFromSettings, asConfigError, packageVersion } from './agent-factory.js'
import type { LogFn } from './log.js'
import { remoteConfigResolver } from './remote-config.js'
import type { AgentSettings } from './settings.js'

export interface RunningAgent {
  agent: Agent
  remote?: RemoteControl
  stop(): Promise<void>
}

export interface StartAgentOptions {
  /** Where each setting came from (flags and env pin keys against remote configuration). */
  origins?: Map<string, SettingOrigin>
  /** The `restart` command's hook; without it the agent refuses `restart`. */
  restart?: () => void
  /** Collector registry (tests swap the OS for a fake). */
  collectors?: Registry<CollectorPlugin>
}

/** Builds the agent from its settings, applies the remote configuration kept on disk, and starts it. */
export async function startAgent(s: AgentSettings, log: LogFn, o: StartAgentOptions = {}): Promise<RunningAgent> {
  const registry = o.collectors ?? builtinCollectors()
  let remote: RemoteControl | undefined
  const sampler = new TraceSampler(asConfigError(() => parseSamplingOptions(s.sampling)))
  if (s.remote.enabled) {
    const resolver = remoteConfigResolver({ local: s, origins: o.origins ?? new Map(), log, collectors: registry, sampler })
    remote = new RemoteControl({ dataDir: s.data, resolver, rollbackAfterMs: s.remote.rollbackAfter, version: packageVersion(), restart: o.restart, log })
  }
  const collectors = asConfigError(() => createCollectors(s.collectors, { log }, registry))
  const agent = agentFromSettings(s, log, collectors, { sampler, ...(remote ? { onCmd: (payload: Buffer) => remote.handle(payload) } : {}) })
  await remote?.restore(agent)
  await agent.start()
  return {
    agent,
    remote,
    async stop() {
      await remote?.stop()
      await agent.stop()
    },
  }
}
