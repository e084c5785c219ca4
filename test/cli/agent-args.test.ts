import { Command } from 'commander'
import { describe, expect, it } from 'vitest'
import { ArgsError, agentHelp, parseAgentArgs } from '../../cli/agent-args.js'
import { addSettingsToCommand } from '../../cli/config.js'
import { agentSettings } from '../../cli/settings.js'

// The single-file agent parses its flags without commander (docs/agent.md, footprint); `outpost agent` uses
// commander. Both must give resolveSettings the same flags.
function viaCommander(argv: string[]): Record<string, unknown> {
  const cmd = addSettingsToCommand(new Command('agent'), agentSettings).exitOverride()
  cmd.parse(argv, { from: 'user' })
  return { ...cmd.opts() }
}

describe('outpost-agent flags (cli/agent-args.ts)', () => {
  const cases: string[][] = [
    [],
    ['--hub', 'mqtt://a:1883,mqtt://b:1883', '--id', 'pump-17', '--interval', '10s'],
    ['--config', '/etc/outpost/agent.yaml', '--data=/var/lib/outpost-agent', '--log-level', 'warning'],
    ['--buffer-max-bytes', '64MiB', '--buffer-fsync', '--listen', '127.0.0.1:0'],
    ['--buffer-fsync', 'false', '--id', 'x'],
    ['--uplink-inflight', '4', '--tls-ca', '/etc/ca.pem'],
  ]
  for (const argv of cases) {
    it(`parses ${JSON.stringify(argv)} as commander does`, () => {
      const ours = parseAgentArgs(argv, agentSettings)
      expect(ours).toEqual({ flags: viaCommander(argv) })
    })
  }

  it('refuses an unknown option, a missing value and a stray argument, naming them', () => {
    expect(() => parseAgentArgs(['--hubb', 'x'], agentSettings)).toThrow(new ArgsError("unknown option '--hubb'"))
    expect(() => parseAgentArgs(['--id'], agentSettings)).toThrow(/'--id <value>' argument missing/)
    expect(() => parseAgentArgs(['agent'], agentSettings)).toThrow(/unexpected argument 'agent'/)
  })

  it('answers --help and --version, and the help lists every flag', () => {
    expect(parseAgentArgs(['--id', 'x', '--help'], agentSettings)).toEqual({ help: true })
    expect(parseAgentArgs(['-V'], agentSettings)).toEqual({ version: true })
    const help = agentHelp('outpost-agent', agentSettings)
    const commanderHelp = addSettingsToCommand(new Command('agent'), agentSettings).helpInformation()
    for (const flag of commanderHelp.match(/--[a-z][a-z-]*/g)!) if (flag !== '--help') expect(help).toContain(flag)
  })
})
