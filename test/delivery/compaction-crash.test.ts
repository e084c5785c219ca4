import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp.js'
import { freePort, hubDataOf, type HubProc } from './harness.js'
import {
  checkStoredSamples,
  countRows,
  hubStoreGauges,
  sendBackfill,
  startCompactingHub,
  totalSamples,
  type BackfillPlan,
} from './compaction-harness.js'

// Issue 4: `kill -9` of the hub during compaction, at random points and at chosen ones; after every restart
// each sample is readable exactly once. Real `outpost hub` processes; the checker reads the stopped hub's LevelDB.

const INTERVAL = 10_000
/** From 26 h ago (plans span at most 12 h): every 2 h window is closed, so a compaction after a start has them all. */
const oldStart = () => Math.floor((Date.now() - 26 * 3_600_000) / INTERVAL) * INTERVAL

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('hub SIGKILLed during compaction (every sample readable exactly once)', { timeout: 120_000 }, () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: HubProc | undefined
  let mqttPort = 0
  beforeEach(async () => {
    dir = await tempDir()
    mqttPort = await freePort()
  })
  afterEach(async () => {
    await hub?.stop('SIGKILL')
    hub = undefined
    await dir.cleanup()
  })

  /** Ingests the plan with compaction held off, then SIGKILLs the hub: the acks said every batch is durable. */
  async function ingest(plan: BackfillPlan, env: Record<string, string>) {
    hub = await startCompactingHub(hubDataOf(dir.dir), mqttPort, '1h', env)
    const batches = await sendBackfill(`mqtt://127.0.0.1:${mqttPort}`, plan)
    await hub.stop('SIGKILL')
    hub = undefined
    expect(await countRows(hubDataOf(dir.dir))).toEqual({ headRows: batches, chunkRows: 0 })
    return batches
  }

  /** Restarts the hub, lets compaction finish, stops it cleanly and checks every sample. */
  async function finishAndCheck(plan: BackfillPlan, env: Record<string, string>) {
    hub = await startCompactingHub(hubDataOf(dir.dir), mqttPort, '100ms', env)
    const deadline = Date.now() + 30_000
    while ((await hubStoreGauges(hub.api))?.headRows !== 0) {
      if (Date.now() > deadline) throw new Error(`compaction did not finish:\n${hub.output()}`)
      await sleep(50)
    }
    const code = await hub.stop('SIGTERM')
    expect(code, `hub exit; output:\n${hub.output()}`).toBe(0)
    hub = undefined
    expect((await countRows(hubDataOf(dir.dir))).headRows).toBe(0)
    const result = await checkStoredSamples(hubDataOf(dir.dir), plan)
    const n = totalSamples(plan)
    expect(result).toEqual({ expected: n, stored: n, lost: 0, duplicated: 0, misplaced: 0, rollupMismatches: 0 })
  }

  it('killed at random moments while a long compaction runs, 12 times: after each restart every sample is there once', async () => {
    // 800,000 samples in 640 head rows; steps of 5,000 samples make each compaction about 160 atomic writes.
    const plan: BackfillPlan = { devices: 4, seriesPerDevice: 50, samplesPerSeries: 4_000, intervalMs: INTERVAL, start: oldStart(), stepsPerBatch: 25 }
    const env = { OUTPOST_TEST_COMPACT_BATCH_SAMPLES: '5000' }
    let before = { headRows: await ingest(plan, env), chunkRows: 0 }
    const n = totalSamples(plan)
    for (let kill = 1; kill <= 12; kill++) {
      hub = await startCompactingHub(hubDataOf(dir.dir), mqttPort, '100ms', env)
      // Compaction is under way once the hub reports more chunk rows than it started with; then a random moment.
      const deadline = Date.now() + 15_000
      let gauges = await hubStoreGauges(hub.api)
      while (!gauges || gauges.chunkRows <= before.chunkRows) {
        if (Date.now() > deadline) throw new Error(`compaction did not start:\n${hub.output()}`)
        await sleep(5)
        gauges = await hubStoreGauges(hub.api)
      }
      await sleep(Math.random() * 60)
      await hub.stop('SIGKILL')
      hub = undefined

      const after = await countRows(hubDataOf(dir.dir))
      // The kill landed inside a compaction: it had moved rows and had rows left to move.
      expect(after.headRows, `kill ${kill}`).toBeLessThan(before.headRows)
      expect(after.headRows, `kill ${kill}: compaction finished before the kill; give it more work`).toBeGreaterThan(0)
      expect(after.chunkRows, `kill ${kill}`).toBeGreaterThan(before.chunkRows)
      expect(await checkStoredSamples(hubDataOf(dir.dir), plan), `kill ${kill}`).toEqual({ expected: n, stored: n, lost: 0, duplicated: 0, misplaced: 0, rollupMismatches: 0 })
      before = after
    }
    await finishAndCheck(plan, env)
  })

  it('killed right before and right after the atomic write of a chosen compaction step', async () => {
    // 10 head rows of 1,000 samples; steps of 2,000 samples take exactly 2 rows each.
    const plan: BackfillPlan = { devices: 2, seriesPerDevice: 20, samplesPerSeries: 250, intervalMs: INTERVAL, start: oldStart(), stepsPerBatch: 50 }
    const env = { OUTPOST_TEST_COMPACT_BATCH_SAMPLES: '2000' }
    expect(await ingest(plan, env)).toBe(10)
    const n = totalSamples(plan)
    const cases: Array<[string, number]> = [
      ['before-write:3', 10 - 2 * 2], // steps 1 and 2 committed, step 3 never written
      ['after-write:1', 6 - 2], // step 1 committed, the process dies before it updates its memory
      ['before-write:1', 4], // nothing committed
    ]
    for (const [killAt, headRowsLeft] of cases) {
      hub = await startCompactingHub(hubDataOf(dir.dir), mqttPort, '100ms', { ...env, OUTPOST_TEST_COMPACT_KILL_AT: killAt })
      await hub.exited
      const [point, step] = killAt.split(':')
      expect(hub.output(), killAt).toContain(`test hook: SIGKILL ${point} of compaction step ${step}`)
      expect(hub.child.signalCode, killAt).toBe('SIGKILL')
      hub = undefined
      const rows = await countRows(hubDataOf(dir.dir))
      expect(rows.headRows, killAt).toBe(headRowsLeft)
      expect(rows.chunkRows, killAt).toBeGreaterThan(0)
      expect(await checkStoredSamples(hubDataOf(dir.dir), plan), killAt).toEqual({ expected: n, stored: n, lost: 0, duplicated: 0, misplaced: 0, rollupMismatches: 0 })
    }
    await finishAndCheck(plan, {})
  })
})
