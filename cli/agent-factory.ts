import { existsSync, readFileSync } from 'node:fs'
import { Agent, type AgentOptions } from '../agent/agent.js'
import { createCollectors } from '../agent/collectors/registry.js'
import type { Collector } from '../agent/collectors/types.js'
import { createHealthChecks } from '../agent/health/registry.js'
import { OptionsError } from '../kit/options.js'
import { createInputs } from '../agent/inputs/registry.js'
import { hostInfo } from '../agent/host-info.js'
import { parseSamplingOptions } from '../agent/sampling/options.js'
import { TraceSampler } from '../agent/sampling/sampler.js'
import { ConfigError } from './config.js'
import type { LogFn } from './log.js'
import type { AgentSettings } from './settings.js'
import { packageVersion } from './version.js'

export { packageVersion } from './version.js'

function skewedClock(): (() => number) | undefined {
  const skew = Number(process.env.OUTPOST_TEST_CLOCK_SKEW_MS ?? 0)
  return skew ? () => Date.now() + skew : undefined
}

export function agentFromSettings(s: AgentSettings, log: LogFn, collectors?: Collector[], extra: Pick<AgentOptions, 'onCmd' | 'sampler'> = {}): Agent {
  return new Agent({
    sampler: new TraceSampler(asConfigError(() => parseSamplingOptions(s.sampling))),
    ...extra,
    id: s.id,
    hub: s.hub,
    token: s.token,
    tls: s.tls && { ca: readPem(s.tls.ca, 'tls.ca'), cert: readPem(s.tls.cert, 'tls.cert'), key: readPem(s.tls.key, 'tls.key') },
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
      banWaitMs: s.uplink.banWait,
      keepaliveSeconds: s.uplink.keepalive,
      maxBytesPerSecond: s.uplink.maxBytesPerSecond,
    },
    collectors: collectors ?? asConfigError(() => createCollectors(s.collectors, { log })),
    healthChecks: asConfigError(() => createHealthChecks(s.health, { log })),
    inputs: asConfigError(() => createInputs(s)),
    listen: s.listen,
    clock: skewedClock(),
    hostInfo,
    log,
  })
}

function readPem(file: string | undefined, key: string): Buffer | undefined {
  if (file === undefined) return undefined
  if (!existsSync(file)) throw new ConfigError(`${key}: no such file ${file}`)
  return readFileSync(file)
}

/** A bad collector, health or input entry stops the agent like any bad setting: one line naming the key. */
export function asConfigError<T>(build: () => T): T {
  try {
    return build()
  } catch (err) {
    if (err instanceof OptionsError) throw new ConfigError(err.message)
    throw err
  }
}
