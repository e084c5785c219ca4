import { afterEach, describe, expect, it } from 'vitest'
import { Hub } from '../../../hub/hub.js'
import { startTestHub } from '../../helpers/hub.js'
import { silent, tempDir, waitFor } from '../../helpers/temp.js'
import { startReceiver } from '../../helpers/webhook-receiver.js'

const HOUR = 3_600_000
const T0 = Date.UTC(2026, 4, 4, 10)

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

describe('scheduled reports (reports: in the hub YAML)', () => {
  it('posts each period\'s report once through a webhook, also across a restart', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const receiver = await startReceiver({ failFirst: 1 })
    cleanups.push(receiver.close)
    const clock = { now: T0 + HOUR / 2 }
    const reports = [{ name: 'hourly', every: '1h', format: 'csv', webhook: { url: receiver.url, backoffMin: 50 } }]
    let h = await startTestHub(t.dir, { now: () => clock.now, reports })
    expect(await h.hub.reportScheduler!.tick()).toBe(0)
    clock.now = T0 + HOUR + 1000
    expect(await h.hub.reportScheduler!.tick()).toBe(1)
    expect(await h.hub.reportScheduler!.tick()).toBe(0)
    // The receiver refuses the first attempt: the webhook queue retries after its backoff on the hub's clock.
    await waitFor(() => ((clock.now += 100), receiver.accepted.length === 1), 15_000, 'the report delivered')
    expect(receiver.accepted[0]).toMatchObject({ report: 'hourly', from: T0, to: T0 + HOUR, format: 'csv' })
    expect(receiver.accepted[0].content).toContain('# devices')
    await h.stop()
    h = await startTestHub(t.dir, { now: () => clock.now, reports })
    cleanups.push(() => h.stop())
    expect(await h.hub.reportScheduler!.tick()).toBe(0)
    clock.now = T0 + 2 * HOUR
    expect(await h.hub.reportScheduler!.tick()).toBe(1)
    await waitFor(() => receiver.accepted.length === 2, 15_000, 'the second report')
    expect(receiver.calls()).toBe(3)
  })

  it('refuses a bad schedule naming its index and key', async () => {
    const make = (reports: Array<Record<string, unknown>>) => () => new Hub({ data: '/nonexistent/never', host: '127.0.0.1', mqttPort: 0, httpPort: 0, insecure: true, maxBatchBytes: 1, compactInterval: 1000, log: silent, reports })
    expect(make([{ name: 'x', every: 'soon', webhook: { url: 'http://127.0.0.1:1/' } }])).toThrow('reports[0].every:')
    expect(make([{ name: 'x', every: '1d', webhook: { url: 'ftp://x' } }])).toThrow('reports[0].webhook: url:')
    expect(make([{ name: 'x', every: '1d', webhook: { url: 'http://127.0.0.1:1/' }, fromat: 'csv' }])).toThrow('reports[0].fromat:')
  })
})
