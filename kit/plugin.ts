// DESIGN §1: every extension point (collectors, inputs, health kinds, notifiers, rule kinds, detectors) has this
// one shape, and one explicit registry per kind. Adding a plugin is one folder and one registry line.
import type * as z from 'zod'
import { OptionsError, parseOptions } from './options.js'

/**
 * A kind of plugin. `options` checks a config entry and fills defaults with no I/O (as Telegraf's `Init()`);
 * `create` builds the working instance from the checked options and what the host hands it in `context`.
 */
export interface Plugin<Schema extends z.ZodType = z.ZodType, Context = unknown, Instance = unknown> {
  readonly name: string
  readonly description: string
  readonly options: Schema
  create(options: z.output<Schema>, context: Context): Instance
}

/** The instance type a plugin creates. */
export type InstanceOf<P> = P extends Plugin<z.ZodType, unknown, infer I> ? I : never

/** One kind's plugins by name. The host builds it from an explicit list; tests may add their own with `with`. */
export class Registry<P extends Plugin<any, any, any>> {
  private readonly byName: Map<string, P>

  /** `noun` names the kind in messages: `collector`, `health check kind`, `notifier`. */
  constructor(
    readonly noun: string,
    plugins: Iterable<P>,
  ) {
    this.byName = new Map()
    for (const p of plugins) {
      if (this.byName.has(p.name)) throw new Error(`${noun} "${p.name}" is registered twice`)
      this.byName.set(p.name, p)
    }
  }

  get(name: string): P | undefined {
    return this.byName.get(name)
  }

  /** The plugin called `name`; an unknown name throws an OptionsError at `key` listing the known ones. */
  require(name: unknown, key: string): P {
    const plugin = typeof name === 'string' ? this.byName.get(name) : undefined
    if (!plugin) {
      throw new OptionsError(key, `unknown ${this.noun} ${JSON.stringify(name)}; known ${this.noun}s: ${this.names().join(', ') || '(none)'}`)
    }
    return plugin
  }

  names(): string[] {
    return [...this.byName.keys()].sort()
  }

  plugins(): P[] {
    return [...this.byName.values()]
  }

  /** A new registry with `plugin` added (or replacing the one of its name). */
  with(plugin: P): Registry<P> {
    return new Registry(this.noun, [...this.plugins().filter((p) => p.name !== plugin.name), plugin])
  }

  /** Checks `raw` with the plugin's schema; errors name keys under `key`. No I/O. */
  parse<Q extends P>(plugin: Q, raw: unknown, key: string): z.output<Q['options']> {
    return parseOptions(plugin.options, raw, key)
  }
}
