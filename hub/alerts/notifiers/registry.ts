import { mqttNotifierPlugin } from './mqtt/index.js'
import { AlertConfigError } from '../rule-schema.js'
import type { Notifier, NotifierContext, NotifierPlugin } from './types.js'
import { webhookNotifierPlugin } from './webhook/index.js'

/** The one list of alert notifiers (DESIGN §1). */
export const notifierPlugins: Record<string, NotifierPlugin<any>> = {
  mqtt: mqttNotifierPlugin,
  webhook: webhookNotifierPlugin,
}

export type NotifierConfig = { kind: string } & Record<string, unknown>

export type ParsedNotifiers = Array<{ plugin: NotifierPlugin<any>; options: unknown }>

/** Checks every config (no I/O); throws AlertConfigError naming the field. MQTT alert topics (DESIGN §3) are always on. */
export function parseNotifierConfigs(configs: readonly NotifierConfig[]): ParsedNotifiers {
  const parsed = configs.map((config, i) => {
    const plugin = notifierPlugins[config?.kind]
    if (!plugin) throw new AlertConfigError(`notifiers[${i}].kind: expected one of ${Object.keys(notifierPlugins).join(', ')}, got ${JSON.stringify(config?.kind)}`)
    try {
      return { plugin, options: plugin.parseOptions(config) }
    } catch (err) {
      throw new AlertConfigError(`notifiers[${i}]: ${(err as Error).message}`)
    }
  })
  if (!parsed.some((p) => p.plugin.kind === 'mqtt')) parsed.unshift({ plugin: mqttNotifierPlugin, options: mqttNotifierPlugin.parseOptions({}) })
  return parsed
}

export function createNotifiers(parsed: ParsedNotifiers, ctx: NotifierContext): Notifier[] {
  return parsed.map(({ plugin, options }) => plugin.create(options, ctx))
}
