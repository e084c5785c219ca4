import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import type { Command } from 'commander'
import type * as z from 'zod'
import { bool } from '../kit/setting-values.js'

/** One setting: a dotted config path (`buffer.maxBytes`), shown as flag `--buffer-max-bytes`,
 *  env `OUTPOST_BUFFER_MAX_BYTES` and YAML key `buffer: {maxBytes}` (DESIGN §2). */
export interface Setting {
  path: string
  description: string
  schema: z.ZodType
  default?: unknown
  /** Only settable in the YAML file (structured values such as collector options). */
  fileOnly?: boolean
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  /** The setting at fault (`interval`, `uplink.keepalive`), when one is. */
  constructor(message: string, readonly key?: string) {
    super(message)
  }
}

/** An error that says all an operator needs (a port in use, hub/listen.ts): printed without its stack. */
export function userFacing(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { userFacing?: unknown }).userFacing === true
}

/** Where a resolved setting came from; flags and env pin a key against remote configuration (docs/agent.md). */
export type SettingOrigin = 'flag' | 'env' | 'file' | 'default'

export const flagName = (path: string) => path.replace(/\./g, '-').replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
export const envName = (path: string) => 'OUTPOST_' + flagName(path).replace(/-/g, '_').toUpperCase()
export const optionKey = (path: string) => flagName(path).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
const kebabToCamel = (key: string) => key.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase())

export function addSettingsToCommand(cmd: Command, settings: Setting[]): Command {
  cmd.option('--config <file>', 'YAML file with settings (keys as in the docs, e.g. mqttPort or mqtt-port)')
  for (const s of settings) {
    if (s.fileOnly) continue
    const def = s.default === undefined ? '' : ` (default: ${JSON.stringify(s.default)})`
    // A yes/no setting works as a bare switch too (`--insecure`), or with a value (`--insecure false`).
    const arg = s.schema === bool ? '[value]' : '<value>'
    cmd.option(`--${flagName(s.path)} ${arg}`, `${s.description}${def}; env ${envName(s.path)}`)
  }
  return cmd
}

type Source = { origin: string; kind: SettingOrigin; value: unknown }

/** Flattens YAML into dotted paths, stopping at known settings so structured values stay whole. */
export function flattenFile(obj: unknown, known: Map<string, Setting>, file: string, prefix = ''): Map<string, unknown> {
  const out = new Map<string, unknown>()
  if (obj === null || obj === undefined) return out
  if (typeof obj !== 'object' || Array.isArray(obj)) {
    throw new ConfigError(`${file}: expected a mapping${prefix ? ` at "${prefix}"` : ''}`)
  }
  for (const [rawKey, value] of Object.entries(obj)) {
    const path = prefix + kebabToCamel(rawKey)
    if (known.has(path)) {
      out.set(path, value)
    } else if ([...known.keys()].some((k) => k.startsWith(path + '.')) && value && typeof value === 'object') {
      for (const [k, v] of flattenFile(value, known, file, path + '.')) out.set(k, v)
    } else {
      throw new ConfigError(`${file}: unknown key "${path}"`, path)
    }
  }
  return out
}

/** Resolves settings with precedence flag > env > file > default; unknown keys and bad values throw, naming the key. */
export function resolveSettings<T>(
  settings: Setting[],
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
  origins?: Map<string, SettingOrigin>,
): T {
  const known = new Map(settings.map((s) => [s.path, s]))
  const file = typeof flags.config === 'string' ? loadFile(flags.config, known) : new Map<string, unknown>()
  const config: Record<string, unknown> = {}
  for (const s of settings) {
    const sources: Source[] = []
    const flag = flags[optionKey(s.path)]
    if (!s.fileOnly && flag !== undefined) sources.push({ origin: `flag --${flagName(s.path)}`, kind: 'flag', value: flag })
    const fromEnv = env[envName(s.path)]
    if (!s.fileOnly && fromEnv !== undefined && fromEnv !== '') sources.push({ origin: `env ${envName(s.path)}`, kind: 'env', value: fromEnv })
    if (file.has(s.path)) sources.push({ origin: `config file key "${s.path}"`, kind: 'file', value: file.get(s.path) })
    const chosen = sources[0] ?? { origin: 'default', kind: 'default', value: s.default }
    if (chosen.value === undefined) continue
    origins?.set(s.path, chosen.kind)
    setPath(config, s.path, parseSetting(s, chosen.value, chosen.origin))
  }
  return config as T
}

/** One setting's value through its schema; a bad value throws ConfigError naming the key and where it came from. */
export function parseSetting(s: Setting, value: unknown, origin: string): unknown {
  const parsed = s.schema.safeParse(value)
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => i.message).join('; ')
    throw new ConfigError(`bad value for "${s.path}" from ${origin}: ${JSON.stringify(value)}: ${why}`, s.path)
  }
  return parsed.data
}

function loadFile(path: string, known: Map<string, Setting>): Map<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`)
  }
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${(err as Error).message}`)
  }
  return flattenFile(doc, known, path)
}

function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.')
  let node = target
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>
  node[parts[parts.length - 1]] = value
}
