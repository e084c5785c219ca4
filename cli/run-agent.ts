import { resolveSettings, type SettingOrigin } from './config.js'
import { agentSettings, type AgentSettings } from './settings.js'
import type { RunningAgent } from './agent-runtime.js'
import { createLogger } from './log.js'
import { runUntilSignal } from './run.js'

/** Runs an agent from parsed flags until SIGINT/SIGTERM: `outpost agent` and the single-file `outpost-agent`. */
export async function runAgent(flags: Record<string, unknown>): Promise<void> {
  const load = () => {
    const origins = new Map<string, SettingOrigin>()
    return { settings: resolveSettings<AgentSettings>(agentSettings, flags, process.env, origins), origins }
  }
  // Loaded here: the hub's commands share this entry point, and an agent loads only what it runs (docs/agent.md).
  const { startAgent } = await import('./agent-runtime.js')
  const first = load()
  const log = createLogger(`agent ${first.settings.id}`, first.settings.logLevel)
  let running: RunningAgent
  let restarting: Promise<void> | undefined
  // The `restart` command (docs/agent.md): stop cleanly, read the config file again, start in the same process.
  const restart = () => {
    restarting ??= (async () => {
      log('info', 'restart requested by the hub')
      await running.stop()
      const again = load()
      running = await startAgent(again.settings, log, { origins: again.origins, restart })
    })()
      .catch((err) => {
        log('error', 'restart failed; exiting', { error: String(err) })
        process.exit(1)
      })
      .finally(() => (restarting = undefined))
  }
  running = await startAgent(first.settings, log, { origins: first.origins, restart })
  await runUntilSignal(async () => {
    await restarting
    await running.stop()
  }, log)
}
