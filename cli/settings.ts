import { hostname } from 'node:os'
import * as z from 'zod'
import { builtinInputs } from '../agent/inputs/registry.js'
import { section, setting, settingLeaves, settingWithDefault as withDefault } from '../kit/settings.js'
import type { Setting } from './config.js'
import { bool, duration, hostPort, mqttUrls, positiveInt, size, sizeOrZero } from '../kit/setting-values.js'

// The hub's settings are in cli/hub-settings.ts: `outpost agent` loads this file and must load no hub code.

const logLevel = z.enum(['debug', 'info', 'warning', 'error'])
const yamlOnly = (description: string) => ({ description, fileOnly: true })

/** A YAML list of names, or one comma-separated string (flag, env). */
const keyList = z.union([z.array(z.string().min(1)), z.string().transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))])

/** Settings of `outpost agent` (DESIGN §2): one schema, sections as in the YAML. */
export const agentSettingsSchema = z.object({
  hub: withDefault(mqttUrls, 'hub MQTT URL, or several comma-separated: the agent moves to the next when one fails (docs/cluster.md)', 'mqtt://127.0.0.1:1883'),
  id: withDefault(z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must match [A-Za-z0-9._-]{1,64}'), 'device id', hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 64)),
  token: setting(z.string().min(1), 'device token (from `outpost device add`)'),
  tls: z
    .object({
      ca: setting(z.string().min(1), 'PEM CA file to trust for an mqtts:// hub (default: the system CAs)'),
      cert: setting(z.string().min(1), 'PEM client certificate file (CN = device id) for hubs that require one'),
      key: setting(z.string().min(1), 'PEM private key file of tls.cert'),
    })
    .optional(),
  data: withDefault(z.string().min(1), 'data directory (the buffer lives here)', './data/agent'),
  interval: withDefault(duration, 'collection interval', '10s'),
  listen: withDefault(hostPort, 'local listener HOST:PORT', '127.0.0.1:4318'),
  buffer: section({
    maxBytes: withDefault(size, 'buffer size cap', '256MiB'),
    policy: withDefault(z.enum(['drop_oldest', 'block']), 'when the buffer is full: drop_oldest or block', 'drop_oldest'),
    fsync: withDefault(bool, 'sync every buffer write to the disk (survives power loss; slower)', false),
  }),
  batch: section({
    maxSamples: withDefault(positiveInt, 'samples per batch before it is sealed', 5000),
  }),
  uplink: section({
    inflight: withDefault(positiveInt, 'batches sent and not yet acked at once', 16),
    ackTimeout: withDefault(duration, 'resend a batch not acked within this time', '15s'),
    reconnectMin: withDefault(duration, 'first reconnect delay', '500ms'),
    reconnectMax: withDefault(duration, 'longest reconnect delay', '30s'),
    banWait: withDefault(duration, "wait after the hub refused the connection as banned (its flapping guard) before trying again; the hub's limits.ban", '1m'),
    keepalive: withDefault(positiveInt, 'MQTT keepalive in seconds', 30),
    maxBytesPerSecond: withDefault(sizeOrZero, 'bandwidth cap for replaying backlog after an outage (0: none); live data goes first regardless', '1MiB'),
  }),
  collectors: withDefault(z.record(z.string(), z.unknown()), yamlOnly('collectors and their options (YAML only)'), { system: {} }),
  health: withDefault(z.array(z.unknown()), yamlOnly('health checks (YAML only; docs/health.md)'), []),
  sampling: withDefault(z.record(z.string(), z.unknown()), yamlOnly('trace sampling: head probability and rate per service, tail rules (YAML only; docs/agent.md)'), {}),
  remote: section({
    enabled: withDefault(bool, 'take configuration and commands from the hub over the cmd topic', true),
    pin: withDefault(keyList, 'settings remote configuration may not change, comma-separated (flags and env pin theirs anyway)', []),
    rollbackAfter: withDefault(duration, 'roll a remote configuration back if the uplink does not work within this', '60s'),
  }),
  logLevel: withDefault(logLevel, 'debug, info, warning or error', 'info'),
})

/** Besides the schema's keys: one list per list input, by its name (`logs`, `scrape`; agent/inputs/registry.ts). */
export type AgentSettings = z.output<typeof agentSettingsSchema> & { [input: string]: unknown }

/** The agent's settings as the CLI lists them; one YAML list per list input of the input registry (`logs:`,
 *  `scrape:`) comes after `health`, so a new input needs no line here. */
export const agentSettings: Setting[] = settingLeaves(agentSettingsSchema).flatMap((s) =>
  s.path !== 'health'
    ? [s]
    : [
        s,
        ...builtinInputs()
          .plugins()
          .filter((p) => p.section === 'list')
          .map((p): Setting => ({ path: p.name, description: `${p.description} (YAML only; docs/inputs.md)`, schema: z.array(z.unknown()), default: [], fileOnly: true })),
      ],
)
