#!/usr/bin/env node
// The agent alone: the entry point of the single-file build `dist/outpost-agent.mjs` (docs/agent.md, install).
// `outpost-agent [flags]` is `outpost agent [flags]`.
import { ConfigError, userFacing } from './config.js'
import { agentCommand } from './commands/agent.js'
import { packageVersion } from './version.js'

agentCommand()
  .name('outpost-agent')
  .version(packageVersion())
  .parseAsync(process.argv)
  .catch((err: unknown) => {
    const message = err instanceof ConfigError ? `outpost-agent: config: ${err.message}` : userFacing(err) ? `outpost-agent: ${(err as Error).message}` : `outpost-agent: ${(err as Error).stack ?? String(err)}`
    process.stderr.write(message + '\n')
    process.exit(2)
  })
