import { describe, expect, it } from 'vitest'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { runOutpost, useOutpostProcesses } from '../helpers/processes.js'
import { waitFor } from '../helpers/temp.js'

const ADMIN = 'cli-admin-token-0123456789abcdef'

describe('built CLI: credentials commands and safe defaults', () => {
  const outpost = useOutpostProcesses()
  const spawn = outpost.spawn

  it('hub: device and token commands through the API; a tokenless agent stays out; data dir is 0700', async () => {
    const data = join(outpost.dir, 'hub')
    const hub = spawn(['hub', '--host', '127.0.0.1', '--mqtt-port', '0', '--http-port', '0', '--data', data], { OUTPOST_ADMIN_TOKEN: ADMIN })
    const [, mqttPort, api] = await hub.waitFor(/MQTT on 127\.0\.0\.1:(\d+), API on (http:\/\/127\.0\.0\.1:\d+)/)
    expect(statSync(data).mode & 0o777).toBe(0o700)
    const cli = (...args: string[]) => runOutpost([...args, '--api', api, '--token', ADMIN])

    const added = await cli('device', 'add', 'cli-dev')
    expect(added.code, added.output).toBe(0)
    const deviceToken = added.output.trim().split('\n').pop()!
    expect(deviceToken.length).toBeGreaterThan(20)
    expect((await cli('device', 'add', 'cli-dev')).output).toMatch(/409 device "cli-dev" already has credentials/)

    const tok = await cli('token', 'add', '--role', 'viewer', '--name', 'dash')
    expect(tok.code, tok.output).toBe(0)
    const viewer = tok.output.trim().split('\n').pop()!
    expect((await fetch(`${api}/v1/devices`, { headers: { authorization: `Bearer ${viewer}` } })).status).toBe(200)
    expect((await cli('token', 'list')).output).toMatch(/dash\tviewer/)
    expect((await runOutpost(['device', 'add', 'sneaky', '--api', api, '--token', viewer])).output).toMatch(/403 role viewer may not POST/)

    const intruder = spawn(['agent', '--hub', `mqtt://127.0.0.1:${mqttPort}`, '--id', 'intruder', '--interval', '1s', '--listen', '127.0.0.1:0', '--data', join(outpost.dir, 'intruder')])
    const agent = spawn(['agent', '--hub', `mqtt://127.0.0.1:${mqttPort}`, '--id', 'cli-dev', '--interval', '1s', '--listen', '127.0.0.1:0', '--data', join(outpost.dir, 'agent')], {
      OUTPOST_TOKEN: deviceToken,
    })
    const list = await waitFor(async () => {
      const out = (await cli('device', 'list')).output
      return /cli-dev\tactive\tonline/.test(out) && out
    }, 20_000, 'cli-dev online')
    expect(list).not.toMatch(/intruder/)
    expect((await cli('device', 'revoke', 'cli-dev')).code).toBe(0)
    expect((await cli('device', 'list')).output).toMatch(/cli-dev\trevoked\toffline/)
    expect((await cli('token', 'revoke', 'dash')).code).toBe(0)
    expect((await fetch(`${api}/v1/devices`, { headers: { authorization: `Bearer ${viewer}` } })).status).toBe(401)
    await intruder.stop()
    await agent.stop()
    // A dozen CLI processes, a hub and two agents, each a Node start of 2-3 s on a loaded 2-core machine: over the
    // default 30 s there (it failed so on main too), so minutes.
  }, 180_000)

  it('hub --insecure says so loudly, and lets a tokenless agent deliver', async () => {
    const hub = spawn(['hub', '--insecure', '--host', '127.0.0.1', '--mqtt-port', '0', '--http-port', '0', '--data', join(outpost.dir, 'insecure')])
    const [, mqttPort, api] = await hub.waitFor(/MQTT on 127\.0\.0\.1:(\d+), API on (http:\/\/127\.0\.0\.1:\d+) \(INSECURE\)/)
    expect(hub.output()).toMatch(/!!! INSECURE: --insecure is set/)
    spawn(['agent', '--hub', `mqtt://127.0.0.1:${mqttPort}`, '--id', 'lab-1', '--interval', '1s', '--listen', '127.0.0.1:0', '--data', join(outpost.dir, 'lab')])
    await waitFor(async () => (await (await fetch(`${api}/v1/devices/lab-1`)).json() as { online?: boolean }).online === true, 20_000, 'lab-1 online')
  })

  it('dev provisions its agent and prints the admin token', async () => {
    const dev = spawn(['dev', '--data', join(outpost.dir, 'dev', 'hub'), '--agent-data', join(outpost.dir, 'dev', 'agent'), '--id', 'dev-box', '--interval', '1s'], {
      OUTPOST_HTTP_PORT: '0',
      OUTPOST_MQTT_PORT: '0',
      OUTPOST_LISTEN: '127.0.0.1:0',
    })
    const [, api] = await dev.waitFor(/hub API (http:\/\/127\.0\.0\.1:\d+)/, 30_000)
    const [, token] = await dev.waitFor(/Admin token: (\S+)/)
    const device = await waitFor(async () => {
      const body = (await (await fetch(`${api}/v1/devices/dev-box`, { headers: { authorization: `Bearer ${token}` } })).json()) as { online?: boolean }
      return body.online && body
    }, 20_000, 'dev agent online')
    expect(device).toMatchObject({ credentials: 'active' })
  })
})
