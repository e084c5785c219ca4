// promtool (Prometheus 2.42's own client) pointed at the hub: instant, range, series and label queries through
// the real client library, credentials as basic auth in the URL (Go's HTTP client sends them).
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeBatch } from '../metrics/store/batches.js'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir } from '../../helpers/temp.js'
import { addToken } from '../../security/support.js'

const run = promisify(execFile)
const MINUTE = 60_000
const T0 = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE

let hub: TestHub
let cleanup: () => Promise<void>
let server: string

async function promtool(...args: string[]): Promise<string> {
  const { stdout } = await run('promtool', ['query', ...args], { timeout: 60_000 })
  return stdout
}

describe('promtool query against the hub', () => {
  beforeAll(async () => {
    const tmp = await tempDir('outpost-promtool-')
    cleanup = tmp.cleanup
    hub = await startTestHub(tmp.dir)
    for (const [seq, device] of ['pi-1', 'pi-2', 'pi-3'].entries()) {
      const samples = Array.from({ length: 120 }, (_, k) => ({ name: 'temp_celsius', labels: { sensor: 'cpu' }, ts: T0 + k * 15_000 + 300, value: 40 + seq + k / 100 }))
      await hub.hub.store.ingest(makeBatch({ dev: device, ep: 'p', seq: 1, samples }))
    }
    const viewer = await addToken(hub, 'viewer', 'promtool')
    server = `http://promtool:${encodeURIComponent(viewer.token)}@127.0.0.1:${new URL(hub.apiUrl).port}/prometheus`
  }, 60_000)

  afterAll(async () => {
    await hub?.stop()
    await cleanup?.()
  })

  it('query instant', async () => {
    const time = (T0 + 20 * MINUTE) / 1000
    const out = JSON.parse(await promtool('instant', '-o', 'json', `--time=${time}`, server, 'max by (device) (temp_celsius)'))
    expect(out.map((s: any) => [s.metric.device, s.value[1]]).sort()).toEqual([
      ['pi-1', '40.79'],
      ['pi-2', '41.79'],
      ['pi-3', '42.79'],
    ])
  })

  it('query range', async () => {
    const start = (T0 + 10 * MINUTE) / 1000
    const out = JSON.parse(await promtool('range', '-o', 'json', `--start=${start}`, `--end=${start + 120}`, '--step=1m', server, 'count(temp_celsius)'))
    expect(out).toEqual([{ metric: {}, values: [[start, '3'], [start + 60, '3'], [start + 120, '3']] }])
  })

  it('query series', async () => {
    const out = await promtool('series', '--match=temp_celsius{device=~"pi-[12]"}', server)
    expect(out.trim().split('\n').sort()).toEqual(['{__name__="temp_celsius", device="pi-1", sensor="cpu"}', '{__name__="temp_celsius", device="pi-2", sensor="cpu"}'])
  })

  it('query labels', async () => {
    expect((await promtool('labels', server, 'device')).trim().split('\n')).toEqual(['pi-1', 'pi-2', 'pi-3'])
    expect((await promtool('labels', server, '__name__')).trim()).toBe('temp_celsius')
  })

  it('fails like Prometheus on a bad query: the error reaches the client', async () => {
    await expect(promtool('instant', server, 'rate(temp_celsius)')).rejects.toThrow(/bad_data: invalid parameter "query": .*expected type range vector/)
  })
})
