// DESIGN §1: the one list of alert notifiers. Add one: a folder notifiers/<name>/ and a line in builtinNotifiers().
import { OptionsError, parseOptions } from '../../../kit/options.js'
import { Registry } from '../../../kit/plugin.js'
import { AlertConfigError } from '../rule-schema.js'
import { mqttNotifierPlugin } from './mqtt/index.js'
import type { Notifier, NotifierContext, NotifierPlugin } from './types.js'
import { webhookNotifierPlugin } from './webhook/index.js'
import { emailNotifierPlugin } from './email/index.js'
import { slackNotifierPlugin } from './slack/index.js'
import { pagerDutyNotifierPlugin } from './pagerduty/index.js'
import { teamsNotifierPlugin } from './msteams/index.js'
import { telegramNotifierPlugin } from './telegram/index.js'
import { ntfyNotifierPlugin } from './ntfy/index.js'
import { resolveSecrets } from './secrets.js'

export function builtinNotifiers(): Registry<NotifierPlugin> {
  return new Registry<NotifierPlugin>('notifier', [
    mqttNotifierPlugin,
    webhookNotifierPlugin,
    emailNotifierPlugin,
    slackNotifierPlugin,
    pagerDutyNotifierPlugin,
    teamsNotifierPlugin,
    telegramNotifierPlugin,
    ntfyNotifierPlugin,
  ])
}

export type NotifierConfig = { kind: string } & Record<string, unknown>

export type ParsedNotifiers = Array<{ plugin: NotifierPlugin; options: unknown }>

/** Checks every config (no I/O); throws AlertConfigError naming the field. MQTT alert topics (DESIGN §3) are always on. */
export function parseNotifierConfigs(configs: readonly NotifierConfig[], registry = builtinNotifiers()): ParsedNotifiers {
  const parsed = configs.map((config, i) => {
    try {
      const plugin = registry.require(config?.kind, `notifiers[${i}].kind`)
      return { plugin, options: parseOptions(plugin.options, resolveSecrets(config, `notifiers[${i}]`), `notifiers[${i}]`) }
    } catch (err) {
      throw new AlertConfigError(err instanceof OptionsError ? err.message : String(err))
    }
  })
  const mqtt = registry.require('mqtt', 'notifiers')
  if (!parsed.some((p) => p.plugin.name === 'mqtt')) parsed.unshift({ plugin: mqtt, options: parseOptions(mqtt.options, {}) })
  return parsed
}

export function createNotifiers(parsed: ParsedNotifiers, ctx: NotifierContext): Notifier[] {
  return parsed.map(({ plugin, options }) => plugin.create(options, ctx))
}
