import { afterAll, describe, expect, it } from 'vitest'
import { spawnOutpost, type Proc } from '../helpers/processes.js'
import { tempDir, waitFor } from '../helpers/temp.js'

describe('`outpost dev` (what `npm start` runs)', () => {
  let dev: Proc | undefined
  let dir: { dir: string; cleanup: () => Promise<void> } | undefined

  afterAll(async () => {
    await dev?.stop()
    await dir?.cleanup()
  })

  it('within 20 s lists the local device online and returns its CPU points; prints the token and curl lines', async () => {
    dir = await tempDir()
    const started = Date.now()
    // Ports 0: a free port each, so the test never collides with a running dev instance.
    dev = spawnOutpost(['dev'], { OUTPOST_HTTP_PORT: '0', OUTPOST_MQTT_PORT: '0', OUTPOST_LISTEN: '127.0.0.1:0', OUTPOST_ID: 'dev-box' }, dir.dir)
    const banner = await dev.waitFor(/hub API (http:\/\/127\.0\.0\.1:\d+)[\s\S]*Admin token: (\S+)[\s\S]*curl[\s\S]*curl[^\n]*\n/, 20_000)
    const [api, token] = [banner[1], banner[2]]
    expect(banner[0]).toContain(`curl -s -H 'Authorization: Bearer ${token}' ${api}/v1/devices`)
    // The console's sign-in URL (docs/console.md), and the example dashboards dev provisions.
    expect(banner[0]).toContain(`Console: ${api}/#token=${token}`)
    const get = async (path: string) => (await fetch(api + path, { headers: { authorization: `Bearer ${token}` } })).json() as Promise<any>
    await waitFor(async () => (await get('/v1/devices')).devices?.some((d: any) => d.id === 'dev-box' && d.online), 20_000, 'device online')
    const q = await waitFor(async () => {
      const body = await get('/v1/metrics/query?name=system_cpu_usage_ratio&from=-5m')
      return body.series?.[0]?.points?.length > 0 && body
    }, 20_000, 'cpu points')
    expect(q.series[0].labels).toMatchObject({ device: 'dev-box', cpu: 'total' })
    expect((await get('/v1/dashboards')).dashboards.map((d: any) => d.title)).toEqual(['Fleet operations', 'Fleet overview'])
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(await dev.stop('SIGINT')).toBe(0)
    dev = undefined
  })
})
