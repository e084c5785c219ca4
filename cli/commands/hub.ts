import { Command } from 'commander'
import { addSettingsToCommand, resolveSettings } from '../config.js'
import { hubSettings, type HubSettings } from '../hub-settings.js'
import { createLogger } from '../log.js'
import { runUntilSignal } from '../run.js'

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || host.startsWith('127.')

export const INSECURE_BANNER = [
  '',
  '!!! INSECURE: --insecure is set. The API takes requests WITHOUT a token and MQTT takes devices WITHOUT a password.',
  '!!! Anyone who can reach this hub can read everything and write as any device. Use it on a closed lab network only.',
  '',
].join('\n') + '\n'

export function hubCommand(): Command {
  const cmd = new Command('hub').description('run the hub: broker, ingest, store, API')
  addSettingsToCommand(cmd, hubSettings)
  return cmd.action(async (flags: Record<string, unknown>) => {
    const settings = resolveSettings<HubSettings>(hubSettings, flags)
    const log = createLogger('hub', settings.logLevel)
    // Auth is always on; --insecure is the only way off, and it says so loudly (issue 7 "safe defaults").
    if (settings.insecure) process.stderr.write(INSECURE_BANNER)
    else if (!settings.tls.cert && !isLoopback(settings.host)) {
      log('warning', `listening on ${settings.host} without TLS: device and API tokens cross the network in clear text (docs/security.md, TLS)`)
    }
    // Loaded here, not at the top: `outpost agent` shares this entry point and must not load the hub.
    const { hubFromSettings } = await import('../factories.js')
    const hub = hubFromSettings(settings, log, typeof flags.config === 'string' ? flags.config : undefined)
    await hub.start()
    if (hub.generatedAdminToken) {
      process.stdout.write(`Admin token (shown once, stored only as a hash): ${hub.generatedAdminToken}\n`)
    }
    const mqtt = [hub.mqttPort ? `MQTT on ${settings.host}:${hub.mqttPort}` : '', hub.mqttsPort ? `MQTTS on ${settings.host}:${hub.mqttsPort}` : ''].filter(Boolean).join(', ')
    const scheme = settings.tls.cert && settings.tls.https ? 'https' : 'http'
    process.stdout.write(`outpost hub: ${mqtt}, API on ${scheme}://${settings.host}:${hub.httpPort}${settings.insecure ? ' (INSECURE)' : ''}\n`)
    const consoleHost = settings.host === '0.0.0.0' || settings.host === '::' ? '127.0.0.1' : settings.host
    process.stdout.write(`Console: ${scheme}://${consoleHost}:${hub.httpPort}/ (sign in with an API token)\n`)
    await runUntilSignal(() => hub.stop(), log)
  })
}
