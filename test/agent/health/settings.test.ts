import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ConfigError, resolveSettings } from '../../../cli/config.js'
import { agentFromSettings } from '../../../cli/factories.js'
import { agentSettings, type AgentSettings } from '../../../cli/settings.js'
import { silent, tempDir } from '../../helpers/temp.js'

describe('the agent config file health: list', () => {
  let dir: string
  let cleanup: () => Promise<void>
  beforeEach(async () => ({ dir, cleanup } = await tempDir('outpost-health-cfg-')))
  afterEach(() => cleanup())

  async function settingsFrom(yaml: string): Promise<AgentSettings> {
    const file = join(dir, 'agent.yaml')
    await writeFile(file, `data: ${join(dir, 'data')}\n${yaml}`)
    return resolveSettings<AgentSettings>(agentSettings, { config: file }, {})
  }

  it('defaults to no checks and reads a list of entries', async () => {
    expect((await settingsFrom('')).health).toEqual([])
    const s = await settingsFrom('health:\n  - {name: web, kind: http, url: "http://127.0.0.1:8080/healthz", interval: 10s}\n')
    expect(s.health).toEqual([{ name: 'web', kind: 'http', url: 'http://127.0.0.1:8080/healthz', interval: '10s' }])
    expect(() => agentFromSettings(s, silent)).not.toThrow()
  })

  it('stops the agent with a config error naming the bad key', async () => {
    const s = await settingsFrom(
      ['health:', '  - {name: web, kind: http, url: "http://127.0.0.1/"}', '  - {name: db, kind: tcp, port: "five"}'].join('\n') + '\n',
    )
    expect(() => agentFromSettings(s, silent)).toThrow(ConfigError)
    expect(() => agentFromSettings(s, silent)).toThrow(/^health\[1\]\.port: expected number, received string$/)
  })
})
