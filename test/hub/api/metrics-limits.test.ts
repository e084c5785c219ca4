// The query limits through the real /v1/metrics route and error path: a clear 422 naming the limit, nothing read.
import { Hono } from 'hono'
import { afterEach, describe, expect, it } from 'vitest'
import { errorResponse } from '../../../hub/api/errors.js'
import { metricRoutes } from '../../../hub/api/routes/metrics.js'
import { makeBatch, samplesOf } from '../metrics/store/batches.js'
import { makeLevelHarness, type LevelHarness } from '../metrics/store/level-harness.js'

const T0 = Date.UTC(2024, 0, 1)
const HOUR = 3_600_000

describe('/v1/metrics query limits', () => {
  let harness: LevelHarness | undefined
  afterEach(async () => {
    await harness?.cleanup()
    harness = undefined
  })

  async function app() {
    harness = await makeLevelHarness()
    for (const host of ['a', 'b', 'c']) {
      await harness.store.ingest(makeBatch({ dev: `dev-${host}`, seq: 1, samples: samplesOf('up', { host }, T0, 360, 10_000) }))
    }
    await harness.store.compact(T0 + 24 * HOUR)
    const routes = metricRoutes(harness.store, { maxSeries: 2, maxPointsPerSeries: 120 }, () => T0 + HOUR)
    const api = new Hono().route('/v1/metrics', routes)
    api.onError((err, c) => errorResponse(err, c, () => undefined))
    return async (query: string) => {
      const res = await api.request(`/v1/metrics/query?${query}`)
      return { status: res.status, body: await res.json() }
    }
  }

  it('answers 422 too_many_series when the selector matches more series than allowed, and 200 within it', async () => {
    const get = await app()
    const over = await get(`name=up&from=${T0}&to=${T0 + HOUR}&step=1h`)
    expect(over.status).toBe(422)
    expect(over.body.error.code).toBe('too_many_series')
    expect(over.body.error.message).toMatch(/matches 3 series, more than the limit of 2/)
    const within = await get(`name=up&device=dev-a&from=${T0}&to=${T0 + HOUR - 1}&step=1h`)
    expect(within.status).toBe(200)
    expect(within.body.series[0].points).toEqual([[T0, 359 / 2]])
  })

  it('answers 422 too_many_points naming the step to use when the step is too fine for the range', async () => {
    const get = await app()
    const over = await get(`name=up&device=dev-a&from=${T0}&to=${T0 + HOUR}&step=10s`)
    expect(over.status).toBe(422)
    expect(over.body.error.code).toBe('too_many_points')
    expect(over.body.error.message).toMatch(/more than the limit of 120: use step=30s or larger/)
  })
})
