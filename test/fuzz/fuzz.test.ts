import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { makeTestAgent } from '../helpers/agent.js'
import { runFuzz } from './fuzz.js'

// A short run in the suite; the full run (issue 7: ≥ 100,000 CBOR batches, 10,000 MQTT packets) is `npm run fuzz`,
// and any run is repeated exactly with OUTPOST_FUZZ_SEED.
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const SEED = env('OUTPOST_FUZZ_SEED', 20261201)
const CBOR = env('OUTPOST_FUZZ_CBOR', 3_000)
const MQTT = env('OUTPOST_FUZZ_MQTT', 300)
const full = CBOR >= 100_000

describe(`fuzz: seed ${SEED}, ${CBOR} CBOR batches, ${MQTT} MQTT sessions`, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub

  beforeAll(async () => {
    dir = await tempDir()
    // Connection limits out of the way: thousands of sessions from one address is the point here.
    hub = await startTestHub(dir.dir, { limits: { connectAttemptsPerId: 1e9, connectAttemptsPerAddress: 1e9, publishRate: 1e6, publishBytes: 1e9 } })
  })
  afterAll(async () => {
    await hub?.stop()
    await dir?.cleanup()
  })

  it('crashes 0, hangs 0, Object.prototype unchanged, and the hub still takes a real agent', async () => {
    const report = await runFuzz(hub, { seed: SEED, cborCases: CBOR, mqttCases: MQTT, publishEvery: 10, hangMs: 1_000, log: full ? (l) => console.log(l) : undefined })
    if (full) console.log(JSON.stringify({ ...report, crashes: report.crashes.slice(0, 5), hangs: report.hangs.slice(0, 5) }))
    expect(report.crashes).toEqual([])
    expect(report.hangs).toEqual([])
    expect(report.prototypeChanged).toBe(false)
    expect(report.hubHealthy).toBe(true)
    expect(report.cborCases).toBe(CBOR)
    expect(report.mqttCases).toBe(MQTT)
    // The mutators reach past the decoder's front door: some mutants still decode.
    expect(report.cborDecoded).toBeGreaterThan(0)
    const agent = makeTestAgent(dir.dir, hub.mqttUrl, { id: 'after-fuzz' })
    await agent.start()
    try {
      await waitFor(() => agent.uplink.counters.acked > 0, 15_000, 'a real agent delivering after the fuzz run')
    } finally {
      await agent.stop()
    }
  }, full ? 3_600_000 : 120_000)
})
