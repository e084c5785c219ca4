import { Command } from 'commander'
import { addSettingsToCommand, resolveSettings } from '../config.js'
import { hubSettings, type HubSettings } from '../settings.js'
import { hubFromSettings } from '../factories.js'
import { createLogger } from '../log.js'
import { runUntilSignal } from '../run.js'

export function hubCommand(): Command {
  const cmd = new Command('hub').description('run the hub: broker, ingest, store, API')
  addSettingsToCommand(cmd, hubSettings)
  return cmd.action(async (flags: Record<string, unknown>) => {
    const settings = resolveSettings<HubSettings>(hubSettings, flags)
    const log = createLogger('hub', settings.logLevel)
    if (settings.insecure) log('warning', 'INSECURE: the API accepts requests without a token (--insecure)')
    const hub = hubFromSettings(settings, log)
    await hub.start()
    if (hub.generatedAdminToken) {
      process.stdout.write(`Admin token (shown once, stored only as a hash): ${hub.generatedAdminToken}\n`)
    }
    process.stdout.write(`outpost hub: MQTT on ${settings.host}:${hub.mqttPort}, API on http://${settings.host}:${hub.httpPort}\n`)
    await runUntilSignal(() => hub.stop(), log)
  })
}
