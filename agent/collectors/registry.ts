// DESIGN §1: one explicit registry of agent collectors. Add a plugin by listing it in builtinCollectors().
import { CollectorOptionsError } from './options.js'
import { systemCollectorPlugin } from './system/index.js'
import type { Collector, CollectorContext, CollectorPlugin } from './types.js'

/** A fresh map of the collectors shipped with the agent, by name. Callers may add their own before use. */
export function builtinCollectors(): Map<string, CollectorPlugin> {
  const plugins: CollectorPlugin[] = [systemCollectorPlugin()]
  return new Map(plugins.map((p) => [p.name, p]))
}

/**
 * Builds the collectors the `collectors` config section switches on. Each key is a collector name; its value is
 * `false` (off), `true` or null (on, default options) or an options object. Every entry is checked before any
 * collector is created, so a bad config creates nothing. Throws `CollectorOptionsError` with a key such as
 * `collectors.system.perCpu`.
 */
export function createCollectors(
  config: Record<string, unknown>,
  ctx: CollectorContext,
  registry: Map<string, CollectorPlugin> = builtinCollectors(),
): Collector[] {
  const chosen: Array<{ plugin: CollectorPlugin; options: unknown }> = []
  for (const [name, value] of Object.entries(config)) {
    const key = `collectors.${name}`
    const plugin = registry.get(name)
    if (!plugin) {
      const known = [...registry.keys()].sort().join(', ') || '(none)'
      throw new CollectorOptionsError(key, `unknown collector "${name}"; known collectors: ${known}`)
    }
    if (value === false) continue
    if (value !== true && value !== null && value !== undefined && !isPlainObject(value)) {
      throw new CollectorOptionsError(key, 'expected true, false or an options object')
    }
    const raw = isPlainObject(value) ? value : {}
    chosen.push({ plugin, options: parseOptions(plugin, raw, key) })
  }
  return chosen.map(({ plugin, options }) => plugin.create(options, ctx))
}

function parseOptions(plugin: CollectorPlugin, raw: unknown, key: string): unknown {
  try {
    return plugin.parseOptions(raw)
  } catch (err) {
    if (err instanceof CollectorOptionsError) {
      throw new CollectorOptionsError(err.key ? `${key}.${err.key}` : key, err.reason)
    }
    throw new CollectorOptionsError(key, err instanceof Error ? err.message : String(err))
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
