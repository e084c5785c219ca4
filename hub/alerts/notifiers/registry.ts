import { mqttNotifierPlugin } from './mqtt/index.js'
import type { Notifier, NotifierContext, NotifierPlugin } from './types.js'
import { webhookNotifierPlugin } from './webhook/index.js'

/** The one list of alert notifiers (DESIGN §1). */
export const notifierPlugins: Record<string, NotifierPlugin<any>> = {
  mqtt: mqttNotifierPlugin,
  webhook: webhookNotifierPlugin,
}

export type NotifierConfig = { kind: string } & Record<string, unknown>

/** Checks every config (no I/O) and builds the notifiers. MQTT alert topics (DESIGN §3) are always on. */
export function createNotifiers(configs: readonly NotifierConfig[], ctx: NotifierContext): Notifier[] {
  const parsed = configs.map((config, i) => {
    const plugin = notifierPlugins[config?.kind]
    if (!plugin) throw new Error(`notifiers[${i}].kind: expected one of ${Object.keys(notifierPlugins).join(', ')}, got ${JSON.stringify(config?.kind)}`)
    return { plugin, options: plugin.parseOptions(config) }
  })
  if (!parsed.some((p) => p.plugin.kind === 'mqtt')) parsed.unshift({ plugin: mqttNotifierPlugin, options: mqttNotifierPlugin.parseOptions({}) })
  return parsed.map(({ plugin, options }) => plugin.create(options, ctx))
}
