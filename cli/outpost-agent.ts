#!/usr/bin/env node
// The agent alone: the entry point of the bundled build `dist/outpost-agent.mjs` (docs/agent.md, install).
// `outpost-agent [flags]` is `outpost agent [flags]`, parsed without commander (cli/agent-args.ts).
import { ArgsError, agentHelp, parseAgentArgs } from './agent-args.js'
import { ConfigError, userFacing } from './config.js'
import { runAgent } from './run-agent.js'
import { agentSettings } from './settings.js'
import { packageVersion } from './version.js'

async function main(): Promise<void> {
  const args = parseAgentArgs(process.argv.slice(2), agentSettings)
  if ('help' in args) return void process.stdout.write(agentHelp('outpost-agent', agentSettings))
  if ('version' in args) return void process.stdout.write(packageVersion() + '\n')
  await runAgent(args.flags)
}

main().catch((err: unknown) => {
  const message =
    err instanceof ArgsError
      ? `outpost-agent: error: ${err.message}`
      : err instanceof ConfigError
        ? `outpost-agent: config: ${err.message}`
        : userFacing(err)
          ? `outpost-agent: ${(err as Error).message}`
          : `outpost-agent: ${(err as Error).stack ?? String(err)}`
  process.stderr.write(message + '\n')
  process.exit(2)
})
