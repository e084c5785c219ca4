import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { makeTestAgent } from '../helpers/agent.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import type { Agent } from '../../agent/agent.js'

const HOUR = 3_600_000

describe('clock offset (DESIGN §5)', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  let agent: Agent | undefined
  beforeEach(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir)
  })
  afterEach(async () => {
    await agent?.stop()
    await hub.stop()
    await dir.cleanup()
  })

  it('an agent whose clock runs 1 h ahead: stored timestamps corrected, raw offset shown on the device', async () => {
    agent = makeTestAgent(dir.dir, hub.mqttUrl, { clock: () => Date.now() + HOUR })
    await agent.start()
    const device = await waitFor(async () => {
      const d = (await hub.get('/v1/devices/dev-1')).body
      return d.counters?.batches > 0 && d
    }, 10_000, 'a stored batch')
    expect(device.clockOffsetMs).toBeLessThan(-HOUR + 5_000)
    expect(device.clockOffsetMs).toBeGreaterThan(-HOUR - 5_000)
    expect(device.clockCorrected).toBe(true)
    // Queried in hub time: the points sit within the last minute, not an hour ahead.
    const q = await hub.get('/v1/metrics/query?name=system_uptime_seconds&from=-1m&to=now&step=1s&agg=last')
    expect(q.body.series).toHaveLength(1)
    for (const [ts] of q.body.series[0].points) {
      expect(Math.abs(ts - Date.now())).toBeLessThan(60_000)
    }
    const ahead = await hub.get(`/v1/metrics/query?name=system_uptime_seconds&from=${Date.now() + HOUR - 60_000}&to=${Date.now() + HOUR + 60_000}&step=1s`)
    expect(ahead.body.series).toHaveLength(0)
  })

  it('a small offset is shown but not corrected', async () => {
    agent = makeTestAgent(dir.dir, hub.mqttUrl, { clock: () => Date.now() + 500 })
    await agent.start()
    const device = await waitFor(async () => {
      const d = (await hub.get('/v1/devices/dev-1')).body
      return d.counters?.batches > 0 && d
    }, 10_000, 'a stored batch')
    expect(device.clockCorrected).toBe(false)
    expect(Math.abs(device.clockOffsetMs + 500)).toBeLessThan(400)
  })
})

describe('accepted time window', () => {
  it('refuses samples too far ahead or too old, counts them, and stores the rest', async () => {
    const { applyTimeWindow } = await import('../../hub/clock.js')
    const { clockPolicy, withHubDefaults } = await import('../../hub/settings.js')
    // The hub's defaults, from the one settings schema: 10 m ahead, 30 d behind.
    const DEFAULT_CLOCK_POLICY = clockPolicy(withHubDefaults({}).clock)
    const now = 1_800_000_000_000
    const metrics = {
      series: [{ name: 'x', type: 'gauge' as const, labels: {} }],
      index: new Uint32Array([0, 0, 0, 0]),
      ts: new Float64Array([now - 31 * 24 * HOUR, now - 1000, now + 5 * 60_000, now + 11 * 60_000]),
      values: new Float64Array([1, 2, 3, 4]),
    }
    const r = applyTimeWindow(metrics, 0, now, DEFAULT_CLOCK_POLICY)
    expect(r).toMatchObject({ tooNew: 1, tooOld: 1 })
    expect([...r.metrics!.values]).toEqual([2, 3])
    // The window applies to corrected time: a device 1 h behind is brought into it.
    const behind = applyTimeWindow({ ...metrics, ts: new Float64Array([now - HOUR]) , index: new Uint32Array([0]), values: new Float64Array([9]) }, HOUR, now, DEFAULT_CLOCK_POLICY)
    expect(behind).toMatchObject({ tooNew: 0, tooOld: 0 })
  })
})
