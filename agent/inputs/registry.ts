// DESIGN §1: one explicit registry of agent inputs. Add an input by listing its plugin in builtinInputs().
import { OptionsError, withPrefix } from '../../kit/options.js'
import { Registry } from '../../kit/plugin.js'
import { ingestInputPlugin } from './ingest/index.js'
import { otlpInputPlugin } from './otlp/index.js'
import { scrapeInputPlugin } from './scrape/index.js'
import { tailInputPlugin } from './tail/index.js'
import type { Input, InputPlugin, ListenerInput } from './types.js'

/** The inputs shipped with the agent. */
export function builtinInputs(): Registry<InputPlugin> {
  return new Registry<InputPlugin>('input', [tailInputPlugin, scrapeInputPlugin, ingestInputPlugin, otlpInputPlugin])
}

/**
 * Builds the inputs the config lists: each list plugin's section (`logs:`, `scrape:`) holds one entry per input.
 * Every entry is checked before any is built, so a bad config builds nothing. Throws OptionsError naming the key.
 */
export function createInputs(config: Record<string, unknown>, registry = builtinInputs()): Input[] {
  const chosen: Array<() => Input> = []
  for (const plugin of registry.plugins()) {
    if (plugin.section !== 'list') continue
    const entries = config[plugin.name] ?? []
    if (!Array.isArray(entries)) throw new OptionsError(plugin.name, 'expected a list')
    entries.forEach((raw, k) => {
      const key = `${plugin.name}[${k}]`
      const options = parseEntry(registry, plugin, raw, key)
      chosen.push(() => plugin.create(options, {}))
    })
  }
  return chosen.map((build) => build())
}

/** One instance of every listener input, for the agent's local listener (JSON ingest, OTLP/HTTP). */
export function createListenerInputs(registry = builtinInputs()): ListenerInput[] {
  return registry.plugins().flatMap((plugin) => (plugin.section === 'listener' ? [plugin.create(parseEntry(registry, plugin, {}, plugin.name), {})] : []))
}

function parseEntry(registry: Registry<InputPlugin>, plugin: InputPlugin, raw: unknown, key: string): unknown {
  try {
    return registry.parse(plugin, raw, key)
  } catch (err) {
    throw err instanceof OptionsError ? err : withPrefix(key, err)
  }
}
