// DESIGN §1: one explicit registry of agent collectors. Add a plugin by listing it in builtinCollectors().
import { OptionsError, withPrefix } from '../../kit/options.js'
import { Registry } from '../../kit/plugin.js'
import { systemCollectorPlugin } from './system/index.js'
import type { Collector, CollectorContext, CollectorPlugin } from './types.js'

/** The collectors shipped with the agent. Callers may add their own with `.with(plugin)`. */
export function builtinCollectors(): Registry<CollectorPlugin> {
  return new Registry<CollectorPlugin>('collector', [systemCollectorPlugin()])
}

/**
 * Builds the collectors the `collectors` config section switches on. Each key is a collector name; its value is
 * `false` (off), `true` or null (on, default options) or an options object. Every entry is checked before any
 * collector is created, so a bad config creates nothing. Throws `OptionsError` with a key such as
 * `collectors.system.perCpu`.
 */
export function createCollectors(config: Record<string, unknown>, ctx: CollectorContext, registry = builtinCollectors()): Collector[] {
  const chosen: Array<{ plugin: CollectorPlugin; options: unknown }> = []
  for (const [name, value] of Object.entries(config)) {
    const key = `collectors.${name}`
    const plugin = registry.require(name, key)
    if (value === false) continue
    if (value !== true && value !== null && value !== undefined && !isPlainObject(value)) {
      throw new OptionsError(key, 'expected true, false or an options object')
    }
    try {
      chosen.push({ plugin, options: registry.parse(plugin, isPlainObject(value) ? value : {}, key) })
    } catch (err) {
      throw err instanceof OptionsError ? err : withPrefix(key, err)
    }
  }
  return chosen.map(({ plugin, options }) => plugin.create(options, ctx))
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
