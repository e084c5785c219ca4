// DESIGN §1: one explicit registry of health check kinds. Add a kind by listing it in builtinHealthKinds().
import * as z from 'zod'
import { durationMs } from '../../kit/durations.js'
import { OptionsError, parseOptions, withPrefix } from '../../kit/options.js'
import { Registry } from '../../kit/plugin.js'
import { commandCheckPlugin } from './command/index.js'
import { diskCheckPlugin } from './disk/index.js'
import { httpCheckPlugin } from './http/index.js'
import { processCheckPlugin } from './process/index.js'
import { tcpCheckPlugin } from './tcp/index.js'
import type { HealthCheck, HealthCheckContext, HealthKindPlugin } from './types.js'

export const DEFAULT_INTERVAL_MS = 30_000
export const DEFAULT_TIMEOUT_MS = 5_000

/** The kinds shipped with the agent. Callers may add their own with `.with(plugin)`. */
export function builtinHealthKinds(): Registry<HealthKindPlugin> {
  return new Registry<HealthKindPlugin>('kind', [httpCheckPlugin(), tcpCheckPlugin(), diskCheckPlugin(), processCheckPlugin(), commandCheckPlugin()])
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
 * config creates nothing. Throws `OptionsError` with a key such as `health[2].url`.
 */
export function createHealthChecks(config: unknown, ctx: HealthCheckContext, registry = builtinHealthKinds()): HealthCheck[] {
  if (config === undefined || config === null) return []
  if (!Array.isArray(config)) throw new OptionsError('health', 'expected a list of checks')
  const names = new Set<string>()
  const parsed = config.map((entry: unknown, i) => {
    const key = `health[${i}]`
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new OptionsError(key, 'expected a mapping')
    const raw = entry as Record<string, unknown>
    const common = parseOptions(commonSchema.loose(), raw, key)
    const plugin = registry.require(common.kind, `${key}.kind`)
    if (names.has(common.name)) throw new OptionsError(`${key}.name`, `duplicate check name "${common.name}"`)
    names.add(common.name)
    if (common.timeout > common.interval) {
      throw new OptionsError(`${key}.timeout`, `must not be longer than interval (${common.interval} ms)`)
    }
    const own = Object.fromEntries(Object.entries(raw).filter(([k]) => !COMMON_KEYS.includes(k)))
    let options: unknown
    try {
      options = registry.parse(plugin, own, key)
    } catch (err) {
      throw err instanceof OptionsError ? err : withPrefix(key, err)
    }
    return { plugin, options, common: { name: common.name, kind: common.kind, intervalMs: common.interval, timeoutMs: common.timeout } }
  })
  return parsed.map(({ plugin, options, common }) => ({ ...common, probe: plugin.create(options, { ...ctx, check: common }) }))
}
