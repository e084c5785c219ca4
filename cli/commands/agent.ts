import { Command } from 'commander'
import { addSettingsToCommand } from '../config.js'
import { agentSettings } from '../settings.js'
import { runAgent } from '../run-agent.js'

export function agentCommand(): Command {
  const cmd = new Command('agent').description('run an agent: collect, buffer, ship to the hub')
  addSettingsToCommand(cmd, agentSettings)
  return cmd.action((flags: Record<string, unknown>) => runAgent(flags))
}
