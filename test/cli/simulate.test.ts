import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { simulate } from '../../cli/simulate.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { silent, tempDir } from '../helpers/temp.js'

// `outpost simulate --backfill`: the real agents (buffer, uplink) against a real hub; what it reports is what the
// hub stored and acked, and a second run on the same agent data counts only its own batches.
describe('simulate --backfill', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub | undefined
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await hub?.stop()
    await dir.cleanup()
  })

  it('sends every sample in batches of at most batch.maxSamples, all acked and stored once', async () => {
    hub = await startTestHub(dir.dir)
    const options = {
      devices: 2,
      series: 7,
      interval: 10_000,
      backfill: 3_600_000,
      hub: hub.mqttUrl,
      idPrefix: 'sim-',
      data: join(dir.dir, 'agents'),
      batch: { maxSamples: 500 },
      uplink: { inflight: 2 },
    }
    const report = await simulate(options, silent)
    const perDevice = 7 * 361 // 3,600 s at 10 s, both ends included
    expect(report).toMatchObject({ devices: 2, samples: 2 * perDevice, ackedBatches: report.batches })
    expect(report.batches).toBe(2 * Math.ceil(perDevice / (7 * Math.floor(500 / 7))))
    expect(report.cpuSeconds).toBeGreaterThan(0)
    expect(report.wireBytesPerSample).toBeGreaterThan(1)
    expect(hub.hub.store.stats().headSamples).toBe(2 * perDevice)

    const again = await simulate({ ...options, backfill: 600_000 }, silent)
    expect(again.samples).toBe(2 * 7 * 61)
    expect(hub.hub.store.stats().headSamples).toBe(2 * perDevice + 2 * 7 * 61)
  }, 60_000)
})
