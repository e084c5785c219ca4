import { join } from 'node:path'
import { Agent, type AgentOptions } from '../../agent/agent.js'
import { systemCollectorPlugin } from '../../agent/collectors/system/index.js'
import { fakeSystemSource } from '../agent/collectors/fake-system-source.js'
import { silent } from './temp.js'
import { parseOptions } from '../../kit/options.js'

/** A real agent (LevelDB buffer, MQTT uplink) whose system readings come from a fake OS. */
export function makeTestAgent(dir: string, hubUrl: string, overrides: Partial<AgentOptions> = {}): Agent {
  const plugin = systemCollectorPlugin(() => fakeSystemSource())
  return new Agent({
    id: 'dev-1',
    hub: hubUrl,
    data: join(dir, 'agent'),
    intervalMs: 200,
    version: '0.0.0-test',
    buffer: { maxBytes: 64 * 1024 * 1024, policy: 'drop_oldest' },
    maxBatchSamples: 5000,
    uplink: { inflight: 8, ackTimeoutMs: 2_000, reconnectBaseMs: 50, reconnectMaxMs: 500, keepaliveSeconds: 10 },
    collectors: [plugin.create(parseOptions(plugin.options, {}), { log: silent })],
    hostInfo: async () => ({ hostname: 'test-host' }),
    log: silent,
    ...overrides,
  })
}
