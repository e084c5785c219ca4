import { describe, expect, it } from 'vitest'
import { AdmissionQueue } from '../../../hub/limits/admission.js'
import { ConnectGuard } from '../../../hub/limits/connect-guard.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { startTestHub } from '../../helpers/hub.js'
import { connect } from '../../security/support.js'

describe('AdmissionQueue', () => {
  it('admits a burst at once, paces the rest in order, skips connections gone meanwhile, refuses past the bound', async () => {
    const q = new AdmissionQueue({ admissionPerSecond: 100, admissionQueue: 30 })
    const admitted: number[] = []
    const gone = new Set([15])
    let refused = 0
    for (let k = 0; k < 45; k++) if (!q.enter(() => gone.has(k), () => admitted.push(k))) refused++
    // Burst: a tenth of a second's worth (10) at once; 30 wait; 5 over the bound are refused.
    expect(admitted).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(q.waiting).toBe(30)
    expect(refused).toBe(5)
    await waitFor(() => q.waiting === 0, 10_000, 'queue drained')
    expect(admitted).toEqual([...Array.from({ length: 40 }, (_, k) => k).filter((k) => k !== 15)])
    expect(q.waited).toBe(30)
    expect(q.maxWaitMs).toBeGreaterThan(100)
    q.close()
  })
})

describe('ConnectGuard.admitted', () => {
  it("a proven device's attempt is taken back from its address, so a fleet behind one address is not banned; its id still counts", () => {
    const g = new ConnectGuard({ connectAttemptsPerId: 3, connectAttemptsPerAddress: 10, connectWindowMs: 60_000, banMs: 60_000 }, () => 0)
    for (let k = 0; k < 1000; k++) {
      expect(g.attempt(`dev-${k}`, 'nat')).toBeUndefined()
      g.admitted('nat')
    }
    for (let k = 0; k < 3; k++) g.attempt('flappy', 'nat'), g.admitted('nat')
    expect(g.attempt('flappy', 'nat')).toMatchObject({ key: 'id', fresh: true })
    // Attempts that prove nothing (bad tokens) still count against the address.
    for (let k = 0; k < 10; k++) expect(g.attempt(`guess-${k}`, 'nat')).toBeUndefined()
    expect(g.attempt('guess-x', 'nat')).toMatchObject({ key: 'address' })
  })
})

describe('admission on the hub', () => {
  it('60 devices at once against 20 admissions/s: none refused, CONNACKs spread over ≥ 2 s (late, not refused)', async () => {
    const dir = await tempDir()
    const hub = await startTestHub(dir.dir, { limits: { admissionRate: 20, admissionQueue: 1000 } })
    try {
      const t0 = performance.now()
      const at: number[] = []
      const clients = await Promise.all(
        Array.from({ length: 60 }, (_, k) => connect(hub.mqttUrl, { clientId: `adm-${k}`, connectTimeout: 30_000 }).then((c) => (at.push(performance.now() - t0), c))),
      )
      expect(clients).toHaveLength(60)
      // Burst of 2, then 20/s: the 60th waits at least (60 - 2) / 20 s.
      expect(Math.max(...at)).toBeGreaterThanOrEqual(2_500)
      const limited = (await hub.get('/metrics')).body as string
      expect(limited).toMatch(/outpost_hub_limited_total\{reason="admission_queue_full"\} 0/)
      await Promise.all(clients.map((c) => c.endAsync()))
    } finally {
      await hub.stop()
      await dir.cleanup()
    }
  })
})
