import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { resolveSettings } from '../../cli/config.js'
import { agentSettings, agentSettingsSchema, type AgentSettings } from '../../cli/settings.js'
import { hubSettings, type HubSettings } from '../../cli/hub-settings.js'
import { hubSettingsSchema, withHubDefaults } from '../../hub/settings.js'
import { section, setting, settingLeaves, settingWithDefault } from '../../kit/settings.js'

describe('settings from one schema per section', () => {
  it('the CLI lists every leaf of the schema, with its default as written and its description', () => {
    const leaves = settingLeaves(hubSettingsSchema)
    expect(hubSettings.map((s) => s.path)).toEqual(leaves.map((l) => l.path))
    const byPath = new Map(hubSettings.map((s) => [s.path, s]))
    expect(byPath.get('limits.maxPacket')).toMatchObject({ default: '1MiB', description: 'largest MQTT packet accepted' })
    expect(byPath.get('retention.selectors')).toMatchObject({ default: [], fileOnly: true })
    expect(byPath.get('adminToken')?.default).toBeUndefined()
    // A leaf's schema is the value's own: no default or optional wrapper left for the CLI to trip over.
    expect(byPath.get('limits.maxPacket')!.schema.safeParse(undefined).success).toBe(false)
  })

  it('`outpost hub` with nothing set and a hub built in code with nothing set get the same defaults', () => {
    const fromCli = resolveSettings<HubSettings>(hubSettings, {}, {})
    const { logLevel, ...inCode } = withHubDefaults({})
    expect(logLevel).toBe('info')
    expect({ ...inCode, logLevel }).toEqual(fromCli)
    expect(fromCli).toEqual(hubSettingsSchema.parse({}))
    expect(fromCli.limits.maxPacket).toBe(1024 * 1024)
    expect(fromCli.retention.traces).toBe(7 * 86_400_000)
  })

  it('a hub built in code keeps the defaults of a section it sets only part of', () => {
    const s = withHubDefaults({ limits: { publishRate: 5 }, compactInterval: 50, rules: 'rules.yaml', adminToken: 'x'.repeat(16), ...{ interval: 10 } })
    expect(s.rules).toBe('rules.yaml')
    expect(s.adminToken).toBe('x'.repeat(16))
    expect('interval' in s).toBe(false) // `outpost dev` passes agent keys too; the hub takes only its own
    expect(s.limits.publishRate).toBe(5)
    expect(s.limits.ban).toBe(60_000)
    expect(s.compactInterval).toBe(50)
    expect(s.retention.metrics).toBe(30 * 86_400_000)
  })

  it('agent settings: the list inputs of the registry sit after health, and defaults match the schema', () => {
    const paths = agentSettings.map((s) => s.path)
    expect(paths.indexOf('logs')).toBe(paths.indexOf('health') + 1)
    const resolved = resolveSettings<AgentSettings>(agentSettings, {}, {})
    const { logs: _logs, scrape: _scrape, ...fromCli } = resolved
    expect(fromCli).toEqual(agentSettingsSchema.parse({}))
  })

  it('a leaf declared without description or outside the helpers is refused when the schema is read', () => {
    expect(() => settingLeaves(z.object({ a: z.string().optional() }))).toThrow('setting a has no description')
    expect(() => settingLeaves(z.object({ s: section({ b: z.number().meta({ description: 'b' }) }) }))).toThrow('setting s.b: declare it with setting()')
    const ok = z.object({ s: section({ b: settingWithDefault(z.coerce.number(), 'b', '3'), c: setting(z.string(), 'c') }) })
    expect(settingLeaves(ok).map((l) => [l.path, l.default])).toEqual([['s.b', '3'], ['s.c', undefined]])
    expect(ok.parse({})).toEqual({ s: { b: 3 } })
  })
})
