import { afterEach, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { TestDevice } from '../helpers/alerts.js'
import type { HubOptions } from '../../hub/hub.js'

const DAY_AGO = Date.now() - 86_400_000

// Compaction yields to an ingest burst and catches up when it pauses (Hub.compactionYields); a head past
// compactDeferSamples, or a deferral past compactDeferMaxMs, is compacted during the burst all the same.
describe('compaction during an ingest burst', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub
  let device: TestDevice
  afterEach(async () => {
    await device?.close()
    await hub?.stop()
    await dir?.cleanup()
  })

  async function burst(overrides: Partial<HubOptions>): Promise<{ chunkRowsDuring: number[]; deferred: number }> {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { compactInterval: 100, ...overrides })
    device = await TestDevice.connect(hub.mqttUrl, 'burst-1')
    const chunkRowsDuring: number[] = []
    // Day-old samples: their windows are long closed, so every head row is compactable at once.
    for (let i = 0; i < 60; i++) {
      const metrics = Array.from({ length: 50 }, (_, j) => ({ name: 'burst_value', labels: { n: String(j) }, ts: DAY_AGO + i * 10_000, value: i }))
      await device.send({ metrics })
      chunkRowsDuring.push(hub.hub.store.stats().chunkRows)
      await new Promise((r) => setTimeout(r, 20))
    }
    const deferred = (await hub.hub.metrics.compactionsDeferred.get()).values[0]?.value ?? 0
    return { chunkRowsDuring, deferred }
  }

  it('waits while telemetry streams in, then compacts every sample once the burst pauses', async () => {
    const { chunkRowsDuring, deferred } = await burst({ compactDeferMax: 60_000 })
    expect(chunkRowsDuring.every((n) => n === 0)).toBe(true)
    expect(deferred).toBeGreaterThan(0)
    await waitFor(() => hub.hub.store.stats().headRows === 0 || undefined, 10_000, 'compaction after the burst')
    expect(hub.hub.store.stats().chunkRows).toBeGreaterThan(0)
    const r = await hub.get(`/v1/metrics/query?name=burst_value&from=${DAY_AGO - 1}&to=${DAY_AGO + 700_000}&agg=count&step=1h`)
    expect(r.status).toBe(200)
    const counted = r.body.series.reduce((sum: number, s: { points: Array<[number, number]> }) => sum + s.points.reduce((a, p) => a + p[1], 0), 0)
    expect(counted).toBe(60 * 50)
  })

  it('compacts during the burst once the head holds more than compactDeferSamples', async () => {
    const { chunkRowsDuring } = await burst({ compactDeferMax: 60_000, compactDeferSamples: 100 })
    expect(chunkRowsDuring.some((n) => n > 0)).toBe(true)
  })

  it('compacts during a burst that lasts longer than compactDeferMaxMs (a hub under steady load)', async () => {
    const { chunkRowsDuring, deferred } = await burst({ compactDeferMax: 300 })
    expect(deferred).toBeGreaterThan(0)
    expect(chunkRowsDuring.some((n) => n > 0)).toBe(true)
  })
})
