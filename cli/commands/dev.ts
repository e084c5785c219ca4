import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Command } from 'commander'
import { addSettingsToCommand, resolveSettings, type Setting } from '../config.js'
import { agentSettings, type AgentSettings } from '../settings.js'
import { hubSettings, type HubSettings } from '../hub-settings.js'
import { createLogger } from '../log.js'
import { runUntilSignal } from '../run.js'
import { builtinInputs } from '../../agent/inputs/registry.js'
import { fileURLToPath } from 'node:url'

/** The example dashboards (hub/dashboards/sample.yaml, docs/console.md) dev provisions unless --dashboards is given. */
function sampleDashboards(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6 && !existsSync(join(dir, 'package.json')); i++) dir = dirname(dir)
  const file = join(dir, 'hub', 'dashboards', 'sample.yaml')
  return existsSync(file) ? file : undefined
}

// The agent settings dev takes over: identity, collection, and every plugin section (one list per list input).
const AGENT_KEYS = ['id', 'interval', 'listen', 'collectors', 'health', ...builtinInputs().plugins().flatMap((p) => (p.section === 'list' ? [p.name] : []))]

// `dev` takes the hub's settings plus the agent's under their own names; both sides' defaults stay embedded.
const devSettings: Setting[] = [
  ...hubSettings.map((s) => (s.path === 'host' ? { ...s, default: '127.0.0.1' } : s)),
  ...agentSettings
    .filter((s) => AGENT_KEYS.includes(s.path))
    .map((s) => (s.path === 'interval' ? { ...s, default: '5s' } : s)),
  { ...agentSettings.find((s) => s.path === 'data')!, path: 'agentData', description: 'agent data directory', default: './data/agent' },
]

/** The admin token dev uses: kept beside the hub's data so every run can print it (mode 0600). */
function devAdminToken(hubData: string, newToken: () => string): string {
  const file = join(dirname(hubData), 'dev-admin-token')
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
  const token = newToken()
  writeFileSync(file, token + '\n', { mode: 0o600 })
  return token
}

export function devCommand(): Command {
  const cmd = new Command('dev').description('hub plus one local agent on this machine, with embedded defaults')
  addSettingsToCommand(cmd, devSettings)
  return cmd.action(async (flags: Record<string, unknown>) => {
    const s = resolveSettings<HubSettings & Pick<AgentSettings, 'id' | 'interval' | 'listen' | 'collectors' | 'health'> & { agentData: string }>(devSettings, flags)
    const log = createLogger('dev', s.logLevel)
    const [{ hubFromSettings }, { startAgent }, { newToken }] = await Promise.all([import('../factories.js'), import('../agent-runtime.js'), import('../../hub/auth.js')])
    const adminToken = s.adminToken ?? devAdminToken(s.data, newToken)
    const hub = hubFromSettings({ ...s, adminToken, dashboards: s.dashboards ?? sampleDashboards() }, createLogger('hub', s.logLevel))
    await hub.start()
    // dev makes the credentials its local agent needs (a fresh device token each run; the old one stops working).
    const deviceToken = await hub.credentials.addDevice(s.id, 'dev', true)
    const agentDefaults = resolveSettings<AgentSettings>(agentSettings, {}, {})
    const agent = await startAgent(
      {
        ...agentDefaults,
        ...Object.fromEntries(AGENT_KEYS.map((key) => [key, (s as unknown as Record<string, unknown>)[key]])),
        data: s.agentData,
        token: deviceToken,
        hub: hub.mqttPort ? `mqtt://127.0.0.1:${hub.mqttPort}` : `mqtts://localhost:${hub.mqttsPort}`,
      },
      createLogger(`agent ${s.id}`, s.logLevel),
    )
    const api = `http://${s.host}:${hub.httpPort}`
    process.stdout.write(
      [
        '',
        `Outpost dev: hub API ${api}, MQTT mqtt://${s.host}:${hub.mqttPort}, local agent "${s.id}" every ${s.interval / 1000}s`,
        `Console: ${api}/#token=${adminToken}`,
        `Admin token: ${adminToken}`,
        'Try:',
        `  curl -s -H 'Authorization: Bearer ${adminToken}' ${api}/v1/devices`,
        `  curl -s -H 'Authorization: Bearer ${adminToken}' '${api}/v1/metrics/query?name=system_cpu_usage_ratio&from=-5m'`,
        '',
      ].join('\n') + '\n',
    )
    await runUntilSignal(async () => {
      await agent.stop()
      await hub.stop()
    }, log)
  })
}
