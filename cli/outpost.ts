#!/usr/bin/env node
import { Command } from 'commander'
import { ConfigError } from './config.js'
import { packageVersion } from './factories.js'
import { hubCommand } from './commands/hub.js'
import { agentCommand } from './commands/agent.js'
import { devCommand } from './commands/dev.js'
import { simulateCommand } from './commands/simulate.js'
import { deviceCommand } from './commands/device.js'
import { tokenCommand } from './commands/token.js'
import { reportCommand } from './commands/report.js'
import { auditCommand } from './commands/audit.js'
import { configCommand } from './commands/config.js'

const program = new Command('outpost')
  .description('Outpost: edge telemetry agent and hub')
  .version(packageVersion())
  .addCommand(hubCommand())
  .addCommand(agentCommand())
  .addCommand(devCommand())
  .addCommand(simulateCommand())
  .addCommand(deviceCommand())
  .addCommand(tokenCommand())
  .addCommand(reportCommand())
  .addCommand(auditCommand())
  .addCommand(configCommand())

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = err instanceof ConfigError ? `outpost: config: ${err.message}` : `outpost: ${(err as Error).stack ?? String(err)}`
  process.stderr.write(message + '\n')
  process.exit(2)
})
