import { afterEach, describe, expect, it } from 'vitest'
import { makeBatch, samplesOf } from './batches.js'
import { makeLevelHarness, type LevelHarness } from './level-harness.js'

const T0 = Date.UTC(2024, 0, 1)
const HOUR = 3_600_000
const DAY = 24 * HOUR

describe('LevelMetricStore.pruneSelected (retention per label selector)', () => {
  let harness: LevelHarness | undefined
  afterEach(async () => {
    await harness?.cleanup()
    harness = undefined
  })

  it('drops old chunks of the matching series only, and leaves head rows to the global retention', async () => {
    const h = (harness = await makeLevelHarness())
    // 10 days of hourly samples for a lab and a prod series, then one fresh sample each in the head.
    await h.store.ingest(makeBatch({ dev: 'lab-1', seq: 1, samples: samplesOf('temp', { site: 'lab' }, T0, 240, HOUR) }))
    await h.store.ingest(makeBatch({ dev: 'prod-1', seq: 1, samples: samplesOf('temp', { site: 'prod' }, T0, 240, HOUR) }))
    await h.store.compact(T0 + 11 * DAY)
    await h.store.ingest(makeBatch({ dev: 'lab-1', seq: 2, samples: samplesOf('temp', { site: 'lab' }, T0 + 11 * DAY, 1, HOUR) }))
    const count = async (site: string) => (await h.store.read(await h.store.series({ labels: { site } }), -Infinity, Infinity))[0].ts.length

    const now = T0 + 11 * DAY
    const result = await h.store.pruneSelected(now, { site: 'lab' }, 7 * DAY)
    // Windows (2 h) that ended by now − 7 d = T0 + 4 d: 48 of them, 2 samples each.
    expect(result).toEqual({ chunkRowsDeleted: 48, headRowsDeleted: 0 })
    expect(await count('lab')).toBe(240 - 96 + 1)
    expect(await count('prod')).toBe(240)
    const [lab] = await h.store.read(await h.store.series({ labels: { site: 'lab' } }), -Infinity, Infinity)
    expect(lab.ts[0]).toBe(T0 + 4 * DAY)
  })
})
