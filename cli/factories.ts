import { readFileSync } from 'node:fs'
import { Agent } from '../agent/agent.js'
import { createCollectors } from '../agent/collectors/registry.js'
import type { Collector } from '../agent/collectors/types.js'
import { hostInfo } from '../agent/host-info.js'
import { Hub } from '../hub/hub.js'
import type { LogFn } from './log.js'
import type { AgentSettings, HubSettings } from './settings.js'

/** The package's version, read from package.json whether running from source (cli/) or the build (dist/cli/). */
export function packageVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string }
      if (pkg.name === 'outpost') return pkg.version
    } catch {}
  }
  return '0.0.0'
}

export function hubFromSettings(s: HubSettings, log: LogFn): Hub {
  return new Hub({
    data: s.data,
    host: s.host,
    mqttPort: s.mqttPort,
    httpPort: s.httpPort,
    insecure: s.insecure,
    adminToken: s.adminToken,
    maxBatchBytes: s.maxBatchBytes,
    compactIntervalMs: s.compactInterval,
    log,
  })
}

export function agentFromSettings(s: AgentSettings, log: LogFn, collectors?: Collector[]): Agent {
  return new Agent({
    id: s.id,
    hub: s.hub,
    token: s.token,
    data: s.data,
    intervalMs: s.interval,
    version: packageVersion(),
    buffer: s.buffer,
    maxBatchSamples: s.batch.maxSamples,
    uplink: {
      inflight: s.uplink.inflight,
      ackTimeoutMs: s.uplink.ackTimeout,
      reconnectBaseMs: s.uplink.reconnectMin,
      reconnectMaxMs: s.uplink.reconnectMax,
      keepaliveSeconds: s.uplink.keepalive,
    },
    collectors: collectors ?? createCollectors(s.collectors, { log }),
    listen: s.listen,
    hostInfo,
    log,
  })
}
