import { join } from 'node:path'
import { Hub, type HubOptions } from '../../hub/hub.js'
import { silent } from './temp.js'

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789'

export interface TestHub {
  hub: Hub
  mqttUrl: string
  apiUrl: string
  get(path: string): Promise<{ status: number; body: any }>
  stop(): Promise<void>
}

/**
 * A real hub (aedes, LevelDB, Hono) on random loopback ports. The API needs a token (TEST_ADMIN_TOKEN) as in
 * production; MQTT passwords are off unless a test opts in with `{ mqttCredentials: true }`, so tests not about
 * auth connect agents without provisioning them. The ACL by client id is on either way.
 */
export async function startTestHub(dir: string, overrides: Partial<HubOptions> = {}): Promise<TestHub> {
  const hub = new Hub({
    data: join(dir, 'hub'),
    host: '127.0.0.1',
    mqttPort: 0,
    httpPort: 0,
    insecure: false,
    mqttCredentials: false,
    adminToken: TEST_ADMIN_TOKEN,
    maxBatchBytes: 1024 * 1024,
    compactInterval: 60_000,
    log: silent,
    ...overrides,
  })
  await hub.start()
  const apiUrl = `http://127.0.0.1:${hub.httpPort}`
  return {
    hub,
    mqttUrl: `mqtt://127.0.0.1:${hub.mqttPort}`,
    apiUrl,
    async get(path) {
      const res = await fetch(apiUrl + path, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })
      const text = await res.text()
      let body: unknown = text
      try {
        body = JSON.parse(text)
      } catch {}
      return { status: res.status, body }
    },
    stop: () => hub.stop(),
  }
}
