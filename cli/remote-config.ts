// The agent's remote configuration checked with the same settings schema and plugin registries as its YAML
// (docs/agent.md): a remote `interval` is parsed like `--interval`, a remote `health` list like the YAML one.
import { REMOTE_CONFIG_KEYS } from '../protocol/commands.js'
import type { AgentConfigPatch } from '../agent/agent.js'
import { createCollectors } from '../agent/collectors/registry.js'
import type { CollectorPlugin } from '../agent/collectors/types.js'
import { createHealthChecks } from '../agent/health/registry.js'
import { createInputs } from '../agent/inputs/registry.js'
import { OptionsError } from '../kit/options.js'
import type { Registry } from '../kit/plugin.js'
import { parseSamplingOptions } from '../agent/sampling/options.js'
import type { TraceSampler } from '../agent/sampling/sampler.js'
import { RemoteConfigError, type RemoteConfigResolver } from '../agent/remote/types.js'
import { ConfigError, flattenFile, parseSetting, type Setting, type SettingOrigin } from './config.js'
import type { LogFn } from './log.js'
import { agentSettings, type AgentSettings } from './settings.js'

/** Settings a remote configuration may set: those under the keys the protocol lists (uplink.reconnect* stay local). */
const REMOTE_SETTINGS: Setting[] = agentSettings.filter(
  (s) => (REMOTE_CONFIG_KEYS as readonly string[]).includes(s.path.split('.')[0]) && !s.path.startsWith('uplink.reconnect'),
)

export interface ResolverOptions {
  /** The agent's resolved local settings (flags, env, YAML, defaults). */
  local: AgentSettings
  /** Where each local setting came from: flags and env pin theirs. */
  origins: Map<string, SettingOrigin>
  log: LogFn
  /** The collector registry (tests swap the OS for a fake). */
  collectors?: Registry<CollectorPlugin>
  /** The agent's trace sampler: `sampling` is applied to it (it lives outside the agent's patch). */
  sampler?: TraceSampler
}

const get = (obj: unknown, path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj)

export function remoteConfigResolver(o: ResolverOptions): RemoteConfigResolver {
  const pins = new Set(o.local.remote.pin)
  const pinned = (path: string) =>
    o.origins.get(path) === 'flag' || o.origins.get(path) === 'env' || pins.has(path) || pins.has(path.split('.')[0])
  // What runs now, per setting, as JSON: only parts whose value changes are rebuilt (a tailer keeps its files open).
  let current = new Map(REMOTE_SETTINGS.map((s) => [s.path, JSON.stringify(get(o.local, s.path))]))

  return {
    resolve(config) {
      const known = new Map(REMOTE_SETTINGS.map((s) => [s.path, s]))
      let remote: Map<string, unknown>
      try {
        remote = flattenFile(config ?? {}, known, 'remote config')
      } catch (err) {
        throw new RemoteConfigError((err as ConfigError).key, (err as Error).message)
      }
      const effective = new Map<string, unknown>()
      const ignored: string[] = []
      for (const s of REMOTE_SETTINGS) {
        let value = get(o.local, s.path)
        if (remote.has(s.path)) {
          if (pinned(s.path)) ignored.push(s.path)
          else {
            try {
              value = parseSetting(s, remote.get(s.path), `remote config key "${s.path}"`)
            } catch (err) {
              throw new RemoteConfigError(s.path, (err as Error).message)
            }
          }
        }
        effective.set(s.path, value)
      }
      const changed = (path: string) => JSON.stringify(effective.get(path)) !== current.get(path)
      const patch: AgentConfigPatch = {}
      const build = <T>(fn: () => T): T => {
        try {
          return fn()
        } catch (err) {
          if (err instanceof OptionsError) throw new RemoteConfigError(err.key, err.message)
          throw err
        }
      }
      if (changed('interval')) patch.intervalMs = effective.get('interval') as number
      if (changed('collectors')) patch.collectors = build(() => createCollectors(effective.get('collectors') as Record<string, unknown>, { log: o.log }, o.collectors))
      if (changed('health')) patch.healthChecks = build(() => createHealthChecks(effective.get('health'), { log: o.log }))
      if (changed('logs') || changed('scrape')) {
        patch.inputs = build(() => createInputs({ logs: effective.get('logs') as unknown[], scrape: effective.get('scrape') as unknown[] }))
      }
      const uplink: NonNullable<AgentConfigPatch['uplink']> = {}
      if (changed('uplink.inflight')) uplink.inflight = effective.get('uplink.inflight') as number
      if (changed('uplink.ackTimeout')) uplink.ackTimeoutMs = effective.get('uplink.ackTimeout') as number
      if (changed('uplink.keepalive')) uplink.keepaliveSeconds = effective.get('uplink.keepalive') as number
      if (changed('uplink.maxBytesPerSecond')) uplink.maxBytesPerSecond = effective.get('uplink.maxBytesPerSecond') as number
      if (Object.keys(uplink).length) patch.uplink = uplink
      const sampling = changed('sampling') ? build(() => parseSamplingOptions(effective.get('sampling'))) : undefined
      return {
        patch,
        ignored,
        commit: () => {
          current = new Map([...effective].map(([k, v]) => [k, JSON.stringify(v)]))
          if (sampling) o.sampler?.configure(sampling)
        },
      }
    },
  }
}
