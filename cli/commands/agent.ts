import { Command } from 'commander'
import { addSettingsToCommand, resolveSettings } from '../config.js'
import { agentSettings, type AgentSettings } from '../settings.js'
import { agentFromSettings } from '../factories.js'
import { createLogger } from '../log.js'
import { runUntilSignal } from '../run.js'

export function agentCommand(): Command {
  const cmd = new Command('agent').description('run an agent: collect, buffer, ship to the hub')
  addSettingsToCommand(cmd, agentSettings)
  return cmd.action(async (flags: Record<string, unknown>) => {
    const settings = resolveSettings<AgentSettings>(agentSettings, flags)
    const log = createLogger(`agent ${settings.id}`, settings.logLevel)
    const agent = agentFromSettings(settings, log)
    await agent.start()
    await runUntilSignal(() => agent.stop(), log)
  })
}
