// The hub's limits on PromQL: too many series or samples → 422 execution, past the time limit → 503 timeout, in
// Prometheus's envelope; the store is untouched and the next query answers.
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { prometheusApi } from '../../../hub/prometheus/api.js'
import type { PromEngineOptions } from '../../../hub/prometheus/engine.js'
import { makeBatch, samplesOf } from '../metrics/store/batches.js'
import { makeLevelHarness, type LevelHarness } from '../metrics/store/level-harness.js'

const T0 = Date.UTC(2024, 0, 1)

describe('PromQL limits', () => {
  let harness: LevelHarness | undefined
  afterEach(async () => {
    await harness?.cleanup()
    harness = undefined
  })

  async function api(options: Partial<PromEngineOptions>) {
    harness = await makeLevelHarness()
    for (const host of ['a', 'b', 'c']) {
      await harness.store.ingest(makeBatch({ dev: `dev-${host}`, seq: 1, samples: samplesOf('up', { host }, T0, 360, 10_000) }))
    }
    const app: Hono = prometheusApi({ store: harness.store, limits: { maxSeries: 10_000, maxPointsPerSeries: 11_000 }, clock: () => T0, log: () => undefined, ...options })
    return async (query: string) => {
      const res = await app.request(`/api/v1/query_range?${new URLSearchParams({ query, start: String(T0 / 1000), end: String(T0 / 1000 + 3600), step: '60' })}`)
      return { status: res.status, body: (await res.json()) as any }
    }
  }

  it('refuses a selector over the series limit with 422 execution', async () => {
    const get = await api({ limits: { maxSeries: 2, maxPointsPerSeries: 11_000 } })
    const over = await get('up')
    expect(over.status).toBe(422)
    expect(over.body).toMatchObject({ status: 'error', errorType: 'execution' })
    expect(over.body.error).toMatch(/matches 3 series, more than the limit of 2/)
    expect((await get('up{host="a"}')).status).toBe(200)
  })

  it('refuses a query holding more samples than allowed with 422 execution', async () => {
    const get = await api({ maxSamples: 1000 })
    const over = await get('rate(up[1h])')
    expect(over.status).toBe(422)
    expect(over.body.error).toMatch(/query processing would load too many samples into memory/)
    expect((await get('vector(1)')).status).toBe(200)
  })

  it('answers 503 timeout past the time limit', async () => {
    const get = await api({ timeoutMs: -1 })
    const late = await get('up')
    expect(late.status).toBe(503)
    expect(late.body).toMatchObject({ status: 'error', errorType: 'timeout' })
  })
})
