import { flagName, envName, optionKey, type Setting } from './config.js'
import { bool } from '../kit/setting-values.js'

// The single-file agent's command line without commander (docs/agent.md, footprint): commander and the
// node:child_process it loads cost a device about 1.5 MiB for one parse at start. Same flags, same values as
// `outpost agent` (cli/config.ts addSettingsToCommand): `--name value`, `--name=value`, and a yes/no setting also
// as a bare switch. test/cli/agent-args.test.ts checks both parse alike.

export type AgentArgs = { help: true } | { version: true } | { flags: Record<string, unknown> }

export class ArgsError extends Error {}

export function parseAgentArgs(argv: string[], settings: Setting[]): AgentArgs {
  const byFlag = new Map<string, Setting | 'config'>([['config', 'config']])
  for (const s of settings) if (!s.fileOnly) byFlag.set(flagName(s.path), s)
  const flags: Record<string, unknown> = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (arg === '-h' || arg === '--help') return { help: true }
    if (arg === '-V' || arg === '--version') return { version: true }
    if (!arg.startsWith('--')) throw new ArgsError(`unexpected argument '${arg}'`)
    const eq = arg.indexOf('=')
    const name = arg.slice(2, eq < 0 ? undefined : eq)
    const setting = byFlag.get(name)
    if (!setting) throw new ArgsError(`unknown option '--${name}'`)
    const key = setting === 'config' ? 'config' : optionKey(setting.path)
    let value: unknown
    if (eq >= 0) value = arg.slice(eq + 1)
    else if (setting !== 'config' && setting.schema === bool) {
      // As commander's `[value]`: the next word is the value unless it is another option.
      value = i + 1 < argv.length && !argv[i + 1].startsWith('-') ? argv[++i] : true
    } else if (i + 1 < argv.length) value = argv[++i]
    else throw new ArgsError(`option '--${name} <value>' argument missing`)
    flags[key] = value
  }
  return { flags }
}

export function agentHelp(name: string, settings: Setting[]): string {
  const lines = [`Usage: ${name} [options]`, '', 'run an agent: collect, buffer, ship to the hub', '', 'Options:']
  lines.push('  --config <file>  YAML file with settings (keys as in the docs, e.g. mqttPort or mqtt-port)')
  for (const s of settings) {
    if (s.fileOnly) continue
    const def = s.default === undefined ? '' : ` (default: ${JSON.stringify(s.default)})`
    lines.push(`  --${flagName(s.path)} ${s.schema === bool ? '[value]' : '<value>'}  ${s.description}${def}; env ${envName(s.path)}`)
  }
  lines.push('  -V, --version  output the version number', '  -h, --help  display help')
  return lines.join('\n') + '\n'
}
