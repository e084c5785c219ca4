import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { api } from '../../security/support.js'
import { makeBatch, samplesOf } from '../metrics/store/batches.js'
import { kindOf } from '../../../hub/storage/data-size.js'
import { KEYSPACE } from '../../../hub/storage/keyspace.js'

describe('GET /v1/status', () => {
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: TestHub
  beforeAll(async () => {
    dir = await tempDir()
    hub = await startTestHub(dir.dir, { version: '9.9.9-test' })
  })
  afterAll(async () => {
    await hub?.stop()
    await dir?.cleanup()
  })

  it('version, uptime, devices online/total, series and data size by kind, metrics growing once LevelDB flushes', async () => {
    await api(hub, 'POST', '/v1/devices', undefined, { devices: [{ id: 'st-1' }, { id: 'st-2' }] })
    const before = (await hub.get('/v1/status')).body
    expect(before).toMatchObject({ version: '9.9.9-test', devices: { online: 0, total: 2 }, series: 0, connections: { connected: 0, admissionWaiting: 0 } })
    expect(before.uptimeSeconds).toBeGreaterThanOrEqual(0)
    expect(Object.keys(before.dataBytes).sort()).toEqual(['alerts', 'anomaly', 'audit', 'devices', 'health', 'logs', 'metrics', 'other', 'traces'])
    // ~2 MB of samples, then a compaction and LevelDB's own flush and compaction of the range: the estimate sees them.
    for (let k = 0; k < 20; k++) {
      await hub.hub.store.ingest(makeBatch({ dev: 'st-1', seq: k + 1, samples: samplesOf(`st_metric_${k}`, { k: String(k) }, Date.now() - 3_600_000, 5_000, 500, k * 1e6 + 0.123) }))
    }
    await hub.hub.store.compact(Date.now() + 7_200_000)
    await (hub.hub.db as unknown as { compactRange(a: string, b: string): Promise<void> }).compactRange('!', '~')
    const after = await waitFor(async () => {
      const s = (await hub.get('/v1/status')).body
      return s.dataBytes.metrics > 10_000 ? s : undefined
    }, 20_000, 'metric bytes in /v1/status')
    expect(after.series).toBe(20)
    expect(after.dataDirectoryBytes).toBeGreaterThan(after.dataBytes.metrics)
  })

  it('every keyspace table falls in a kind; metric, log and span tables in theirs', () => {
    expect(kindOf('m-chunk')).toBe('metrics')
    expect(kindOf('l-rec')).toBe('logs')
    expect(kindOf('t-span')).toBe('traces')
    expect(kindOf('webhook-queue-*')).toBe('alerts')
    expect(Object.keys(KEYSPACE).filter((p) => kindOf(p) === 'other')).toEqual(['dashboards'])
  })
})
