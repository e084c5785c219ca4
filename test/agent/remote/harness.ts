import { join } from 'node:path'
import { systemCollectorPlugin } from '../../../agent/collectors/system/index.js'
import type { CollectorPlugin } from '../../../agent/collectors/types.js'
import { Registry } from '../../../kit/plugin.js'
import { startAgent, type RunningAgent } from '../../../cli/agent-runtime.js'
import { resolveSettings, type SettingOrigin } from '../../../cli/config.js'
import { agentSettings, type AgentSettings } from '../../../cli/settings.js'
import { api } from '../../security/support.js'
import { type TestHub } from '../../helpers/hub.js'
import { silent, waitFor } from '../../helpers/temp.js'
import { fakeSystemSource } from '../collectors/fake-system-source.js'

/**
 * A real agent built the way `outpost agent` builds it (settings, remote control, registries), with the OS readings
 * faked. `flags` are command-line flags (they pin their keys); `file` stands for the YAML file's keys.
 */
export async function startRemoteAgent(
  hub: TestHub,
  dir: string,
  id: string,
  o: { flags?: Record<string, unknown>; file?: Partial<AgentSettings>; restart?: () => void } = {},
): Promise<RunningAgent> {
  const origins = new Map<string, SettingOrigin>()
  const resolved = resolveSettings<AgentSettings>(
    agentSettings,
    { hub: hub.mqttUrl, id, data: join(dir, id), listen: '127.0.0.1:0', interval: '2s', remoteRollbackAfter: '2s', uplinkReconnectMin: '50ms', uplinkReconnectMax: '300ms', ...o.flags },
    {},
    origins,
  )
  // The test's own plumbing flags stand for defaults, so they pin nothing; `flags` given by a test do.
  for (const key of ['hub', 'id', 'data', 'listen', 'interval', 'remote.rollbackAfter', 'uplink.reconnectMin', 'uplink.reconnectMax']) origins.set(key, 'default')
  for (const key of Object.keys(o.flags ?? {})) origins.set(key, 'flag')
  const settings = { ...resolved, ...o.file } as AgentSettings
  const registry = new Registry<CollectorPlugin>('collector', [systemCollectorPlugin(() => fakeSystemSource())])
  return startAgent(settings, process.env.OUTPOST_TEST_LOG ? (l: string, m: string, e?: unknown) => console.log(id, l, m, JSON.stringify(e)) : silent, { origins, collectors: registry, restart: o.restart })
}

/** The device as `GET /v1/devices/{id}` shows it, once `pred` holds. */
export function deviceWhen(hub: TestHub, id: string, pred: (d: any) => boolean, what: string, timeoutMs = 20_000): Promise<any> {
  return waitFor(
    async () => {
      const r = await api(hub, 'GET', `/v1/devices/${id}`)
      return r.status === 200 && pred(r.body) ? r.body : undefined
    },
    timeoutMs,
    what,
  )
}

export async function putConfig(hub: TestHub, id: string, config: Record<string, unknown>) {
  return api(hub, 'PUT', `/v1/devices/${id}/config`, undefined, { config })
}
