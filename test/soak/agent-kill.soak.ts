import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp.js'
import { agentKillScenario } from '../delivery/agent-kill-scenario.js'

// `npm run soak`: the agent-kill scenario of test/delivery with 50 kills (about 3 minutes). Not part of `npm test`.
const KILLS = Number(process.env.OUTPOST_SOAK_KILLS ?? 50)

describe('soak: agent kill -9 during replay', () => {
  const dirs: Array<{ cleanup: () => Promise<void> }> = []
  afterAll(async () => {
    for (const d of dirs) await d.cleanup()
  })

  // Each kill restarts the agent and posts 1,000 samples: ~3 s here unloaded, 15–20 s at load 30 on 2 cores, where
  // 8 s a kill timed the whole run out at kill 22 with the replay moving. The scenario's own waits are bounded.
  it(`${KILLS} kills: accepted-but-lost = 0, stored twice = 0`, { timeout: 300_000 + KILLS * 30_000 }, async () => {
    const dir = await tempDir()
    dirs.push(dir)
    const { killedDuringReplay, result } = await agentKillScenario(dir.dir, KILLS, (m) => console.log(m))
    console.log(`soak: ${KILLS} kills (${killedDuringReplay} during replay):`, JSON.stringify(result))
    expect(result).toMatchObject({ lost: 0, duplicated: 0, unexpected: 0, stored: result.accepted })
    expect(killedDuringReplay).toBeGreaterThanOrEqual(Math.ceil(KILLS * 0.8))
  })
})
