import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp.js'
import { agentKillScenario } from './agent-kill-scenario.js'

const KILLS = 10

describe('agent kill -9 during replay', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await dir.cleanup()
  })

  it(`${KILLS} kills at random moments: accepted-but-lost = 0, stored twice = 0`, { timeout: 200_000 }, async () => {
    const { killedDuringReplay, result } = await agentKillScenario(dir.dir, KILLS)
    expect(result.accepted).toBe(100_000 + KILLS * 1_000)
    expect(result).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, stored: result.accepted })
    expect(killedDuringReplay).toBeGreaterThanOrEqual(Math.ceil(KILLS * 0.8)) // the kills really hit a replay
  })
})
