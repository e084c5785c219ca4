#!/usr/bin/env node
import { Command } from 'commander'
import { ConfigError, userFacing } from './config.js'
import { packageVersion } from './version.js'
import type { Command as CommandType } from 'commander'

// Each command's module is imported only when that command runs (or for help): `outpost agent` on a small device
// then loads no hub, simulator or alert-config code.
const COMMANDS: Record<string, () => Promise<CommandType>> = {
  hub: async () => (await import('./commands/hub.js')).hubCommand(),
  agent: async () => (await import('./commands/agent.js')).agentCommand(),
  dev: async () => (await import('./commands/dev.js')).devCommand(),
  simulate: async () => (await import('./commands/simulate.js')).simulateCommand(),
  device: async () => (await import('./commands/device.js')).deviceCommand(),
  token: async () => (await import('./commands/token.js')).tokenCommand(),
  report: async () => (await import('./commands/report.js')).reportCommand(),
  audit: async () => (await import('./commands/audit.js')).auditCommand(),
  config: async () => (await import('./commands/config.js')).configCommand(),
  migrate: async () => (await import('./commands/migrate.js')).migrateCommand(),
}

const program = new Command('outpost').description('Outpost: edge telemetry agent and hub').version(packageVersion())
const named = process.argv[2]
const chosen = named !== undefined && named in COMMANDS ? [named] : Object.keys(COMMANDS)
for (const name of chosen) program.addCommand(await COMMANDS[name]())

program.parseAsync(process.argv).catch((err: unknown) => {
  const message = err instanceof ConfigError ? `outpost: config: ${err.message}` : userFacing(err) ? `outpost: ${(err as Error).message}` : `outpost: ${(err as Error).stack ?? String(err)}`
  process.stderr.write(message + '\n')
  process.exit(2)
})
