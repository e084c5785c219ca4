import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { tempDir } from '../../helpers/temp.js'
import { startTestHub } from '../../helpers/hub.js'

describe('alert evaluation backlog', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await dir.cleanup()
  })

  it('a flood beyond the evaluation backlog is all evaluated; the calls over the bound return a wait, counted', async () => {
    const hub = await startTestHub(dir.dir, { testing: { alertMaxBacklog: 2 } })
    try {
      const engine = hub.hub.alertEngine!
      const batch = { v: 1, dev: 'd', ep: 'e', seq: 1, at: 0 }
      const waits = Array.from({ length: 5 }, () => engine.onBatch('d', batch, 0))
      expect(waits.map((w) => w !== undefined)).toEqual([false, false, true, true, true])
      await Promise.all(waits)
      await engine.idle()
      expect(engine.counters).toMatchObject({ batches: 5, waits: 3 })
      expect(await (await fetch(`${hub.apiUrl}/metrics`)).text()).toMatch(/outpost_hub_alert_ingest_waits_total 3\n/)
    } finally {
      await hub.stop()
    }
  })
})
