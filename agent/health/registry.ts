// DESIGN §1: one explicit registry of health check kinds. Add a kind by listing it in builtinHealthKinds().
import { z } from 'zod'
import { commandCheckPlugin } from './command/index.js'
import { diskCheckPlugin } from './disk/index.js'
import { httpCheckPlugin } from './http/index.js'
import { durationMs, HealthConfigError, parseWith, withPrefix } from './options.js'
import { processCheckPlugin } from './process/index.js'
import { tcpCheckPlugin } from './tcp/index.js'
import type { HealthCheck, HealthCheckContext, HealthKindPlugin } from './types.js'

export const DEFAULT_INTERVAL_MS = 30_000
export const DEFAULT_TIMEOUT_MS = 5_000

/** A fresh map of the kinds shipped with the agent, by kind. Callers may add their own before use. */
export function builtinHealthKinds(): Map<string, HealthKindPlugin> {
  const plugins: HealthKindPlugin<any>[] = [httpCheckPlugin(), tcpCheckPlugin(), diskCheckPlugin(), processCheckPlugin(), commandCheckPlugin()]
  return new Map(plugins.map((p) => [p.kind, p]))
}

const COMMON_KEYS = ['name', 'kind', 'interval', 'timeout']

const commonSchema = z.object({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'must match [A-Za-z0-9._-]{1,128}'),
  kind: z.string().min(1),
  interval: durationMs.default(DEFAULT_INTERVAL_MS),
  timeout: durationMs.default(DEFAULT_TIMEOUT_MS),
})

/**
 * Builds the checks of the `health:` config list. Every entry is checked before any probe is created, so a bad
 * config creates nothing. Throws `HealthConfigError` with a key such as `health[2].url`.
 */
export function createHealthChecks(
  config: unknown,
  ctx: HealthCheckContext,
  registry: Map<string, HealthKindPlugin> = builtinHealthKinds(),
): HealthCheck[] {
  if (config === undefined || config === null) return []
  if (!Array.isArray(config)) throw new HealthConfigError('health', 'expected a list of checks')
  const names = new Set<string>()
  const parsed = config.map((entry: unknown, i) => {
    const key = `health[${i}]`
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new HealthConfigError(key, 'expected a mapping')
    const raw = entry as Record<string, unknown>
    const common = parseEntry(key, () => parseWith(commonSchema.loose(), raw))
    const plugin = registry.get(common.kind)
    if (!plugin) {
      const known = [...registry.keys()].sort().join(', ') || '(none)'
      throw new HealthConfigError(`${key}.kind`, `unknown kind "${common.kind}"; known kinds: ${known}`)
    }
    if (names.has(common.name)) throw new HealthConfigError(`${key}.name`, `duplicate check name "${common.name}"`)
    names.add(common.name)
    if (common.timeout > common.interval) {
      throw new HealthConfigError(`${key}.timeout`, `must not be longer than interval (${common.interval} ms)`)
    }
    const own = Object.fromEntries(Object.entries(raw).filter(([k]) => !COMMON_KEYS.includes(k)))
    const options = parseEntry(key, () => plugin.parseOptions(own))
    return { plugin, options, common: { name: common.name, kind: common.kind, intervalMs: common.interval, timeoutMs: common.timeout } }
  })
  return parsed.map(({ plugin, options, common }) => ({ ...common, probe: plugin.create(options, common, ctx) }))
}

function parseEntry<T>(key: string, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    throw withPrefix(key, err)
  }
}
