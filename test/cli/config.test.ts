import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { resolveSettings, envName, flagName, ConfigError } from '../../cli/config.js'
import { agentSettings, type AgentSettings } from '../../cli/settings.js'
import { hubSettings, type HubSettings } from '../../cli/hub-settings.js'
import { tempDir } from '../helpers/temp.js'

describe('config: flag > env > file > default (DESIGN §2)', () => {
  it('names flags and env variables after the setting path', () => {
    expect(flagName('mqttPort')).toBe('mqtt-port')
    expect(envName('mqttPort')).toBe('OUTPOST_MQTT_PORT')
    expect(flagName('buffer.maxBytes')).toBe('buffer-max-bytes')
    expect(envName('uplink.ackTimeout')).toBe('OUTPOST_UPLINK_ACK_TIMEOUT')
  })

  it('applies defaults', () => {
    const s = resolveSettings<HubSettings>(hubSettings, {}, {})
    expect(s).toMatchObject({ data: './data/hub', mqttPort: 1883, httpPort: 8080, host: '0.0.0.0', insecure: false, maxBatchBytes: 1048576 })
  })

  it('takes the file over defaults, env over file, flags over env', async () => {
    const { dir, cleanup } = await tempDir()
    const file = join(dir, 'agent.yaml')
    writeFileSync(file, 'interval: 30s\nhub: mqtt://file-host:1883\nbuffer:\n  maxBytes: 10MiB\ndata: /file/data\ncollectors:\n  system: {perCpu: true}\n')
    const fromFile = resolveSettings<AgentSettings>(agentSettings, { config: file }, {})
    expect(fromFile).toMatchObject({ interval: 30_000, hub: 'mqtt://file-host:1883', buffer: { maxBytes: 10 * 1024 * 1024, policy: 'drop_oldest' }, data: '/file/data' })
    expect(fromFile.collectors).toEqual({ system: { perCpu: true } })

    const env = { OUTPOST_INTERVAL: '20s', OUTPOST_HUB: 'mqtt://env-host:1883', OUTPOST_BUFFER_MAX_BYTES: '2MiB' }
    const fromEnv = resolveSettings<AgentSettings>(agentSettings, { config: file }, env)
    expect(fromEnv).toMatchObject({ interval: 20_000, hub: 'mqtt://env-host:1883', buffer: { maxBytes: 2 * 1024 * 1024 }, data: '/file/data' })

    const fromFlag = resolveSettings<AgentSettings>(agentSettings, { config: file, interval: '5s', bufferMaxBytes: '4096' }, env)
    expect(fromFlag).toMatchObject({ interval: 5_000, hub: 'mqtt://env-host:1883', buffer: { maxBytes: 4096 } })
    await cleanup()
  })

  it('accepts kebab-case keys in the file', async () => {
    const { dir, cleanup } = await tempDir()
    const file = join(dir, 'hub.yaml')
    writeFileSync(file, 'mqtt-port: 2883\nhttp-port: 9090\n')
    expect(resolveSettings<HubSettings>(hubSettings, { config: file }, {})).toMatchObject({ mqttPort: 2883, httpPort: 9090 })
    await cleanup()
  })

  it('refuses an unknown key in the file, naming it', async () => {
    const { dir, cleanup } = await tempDir()
    const file = join(dir, 'hub.yaml')
    writeFileSync(file, 'mqttPort: 1883\nmqtPort: 1\n')
    expect(() => resolveSettings(hubSettings, { config: file }, {})).toThrow(/unknown key "mqtPort"/)
    writeFileSync(file, 'buffer:\n  maxByte: 1\n')
    expect(() => resolveSettings(agentSettings, { config: file }, {})).toThrow(/unknown key "buffer.maxByte"/)
    await cleanup()
  })

  it('refuses bad values naming the key and where the value came from', () => {
    expect(() => resolveSettings(hubSettings, {}, { OUTPOST_MQTT_PORT: 'abc' })).toThrow(ConfigError)
    expect(() => resolveSettings(hubSettings, {}, { OUTPOST_MQTT_PORT: 'abc' })).toThrow(/"mqttPort" from env OUTPOST_MQTT_PORT/)
    expect(() => resolveSettings(hubSettings, { httpPort: '70000' }, {})).toThrow(/"httpPort" from flag --http-port/)
    expect(() => resolveSettings(agentSettings, { interval: 'soon' }, {})).toThrow(/"interval"/)
    expect(() => resolveSettings(agentSettings, { bufferPolicy: 'spill' }, {})).toThrow(/"buffer.policy"/)
    expect(() => resolveSettings(agentSettings, { id: 'a/b' }, {})).toThrow(/"id"/)
    expect(() => resolveSettings(agentSettings, { config: '/nonexistent/outpost.yaml' }, {})).toThrow(/cannot read config file/)
  })

  it('takes a list of hubs for the agent and a Redis URL for the hub cluster (docs/cluster.md), refusing bad ones by key', () => {
    const agent = resolveSettings<AgentSettings>(agentSettings, { hub: 'mqtt://a:1883, mqtts://b:8883' }, {})
    expect(agent.hub).toBe('mqtt://a:1883,mqtts://b:8883')
    expect(() => resolveSettings(agentSettings, { hub: 'mqtt://a:1883,http://b' }, {})).toThrow(/"hub" from flag --hub/)
    const hub = resolveSettings<HubSettings>(hubSettings, {}, { OUTPOST_CLUSTER: 'redis://10.0.0.5:6379', OUTPOST_PROXY_PROTOCOL: 'true' })
    expect(hub).toMatchObject({ cluster: 'redis://10.0.0.5:6379', proxyProtocol: true })
    expect(resolveSettings<HubSettings>(hubSettings, {}, {})).toMatchObject({ proxyProtocol: false })
    expect(() => resolveSettings(hubSettings, { cluster: 'postgres://x' }, {})).toThrow(/"cluster" from flag --cluster/)
  })
})
