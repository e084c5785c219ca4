import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runOutpost, spawnOutpost, type Proc } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'
import { connect } from '../security/support.js'

const ADMIN = 'bulk-cli-admin-token-0123456789ab'

describe('outpost device add --from FILE (built CLI against a hub process)', { timeout: 120_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: Proc
  let api = ''
  let mqttUrl = ''
  const cli = (...args: string[]) => runOutpost([...args, '--api', api, '--token', ADMIN], {}, 60_000)
  beforeAll(async () => {
    dir = await tempDir()
    hub = spawnOutpost(['hub', '--host', '127.0.0.1', '--mqtt-port', '0', '--http-port', '0', '--data', join(dir.dir, 'hub')], { OUTPOST_ADMIN_TOKEN: ADMIN })
    const [, mqttPort, url] = await hub.waitFor(/MQTT on 127\.0\.0\.1:(\d+), API on (http:\/\/127\.0\.0\.1:\d+)/, 30_000)
    api = url
    mqttUrl = `mqtt://127.0.0.1:${mqttPort}`
  })
  afterAll(async () => {
    await hub?.stop()
    await dir?.cleanup()
  })

  it('CSV of 10,000 devices with labels: one request, tokens in a new 0600 file, devices usable and labelled', async () => {
    const csv = join(dir.dir, 'fleet.csv')
    const lines = ['id,site,model,firmware']
    for (let k = 0; k < 10_000; k++) lines.push(`pump-${k},site-${k % 5},${k % 2 ? 'x2' : 'x1'},${k % 3 ? '' : '1.2.3'}`)
    writeFileSync(csv, lines.join('\n') + '\n')
    const t = performance.now()
    const r = await cli('device', 'add', '--from', csv)
    console.log(`outpost device add --from: 10,000 devices in ${((performance.now() - t) / 1000).toFixed(2)} s (CLI process start included)`)
    expect(r.code, r.output).toBe(0)
    expect(r.output).toMatch(/10000 devices provisioned; .*fleet\.csv\.tokens\.csv \(mode 0600\)/)
    const tokensFile = `${csv}.tokens.csv`
    expect(statSync(tokensFile).mode & 0o777).toBe(0o600)
    const rows = readFileSync(tokensFile, 'utf8').trim().split('\n')
    expect(rows[0]).toBe('id,token')
    expect(rows).toHaveLength(10_001)
    const [id, token] = rows[4322].split(',')
    expect(id).toBe('pump-4321')
    await (await connect(mqttUrl, { clientId: id, username: id, password: token })).endAsync()
    const dev = await (await fetch(`${api}/v1/devices/pump-4321`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()
    expect(dev.labels).toEqual({ site: 'site-1', model: 'x2' })
    const dev3 = await (await fetch(`${api}/v1/devices/pump-3`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()
    expect(dev3.labels).toEqual({ site: 'site-3', model: 'x2', firmware: '1.2.3' })
    // The tokens file is never overwritten: a second run stops before asking the hub for anything.
    const again = await cli('device', 'add', '--from', csv, '--rotate')
    expect(again.code).not.toBe(0)
    expect(again.output).toMatch(/EEXIST|already exists/)
    await (await connect(mqttUrl, { clientId: id, username: id, password: token })).endAsync()
  })

  it('YAML list of {id, labels}; bad files are refused naming the file and the row or entry', async () => {
    const yaml = join(dir.dir, 'more.yaml')
    writeFileSync(yaml, '- id: gate-1\n  labels: {site: north, firmware: 2.0}\n- id: gate-2\n')
    const out = join(dir.dir, 'more-tokens.csv')
    const r = await cli('device', 'add', '--from', yaml, '--out', out)
    expect(r.code, r.output).toBe(0)
    expect(readFileSync(out, 'utf8').trim().split('\n').map((l) => l.split(',')[0])).toEqual(['id', 'gate-1', 'gate-2'])
    const gate = await (await fetch(`${api}/v1/devices/gate-1`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()
    expect(gate.labels).toEqual({ site: 'north', firmware: '2' })

    const badCsv = join(dir.dir, 'bad.csv')
    writeFileSync(badCsv, 'id,site\nok-1,a\n,b\n')
    const bad = await cli('device', 'add', '--from', badCsv)
    expect(bad.code).not.toBe(0)
    expect(bad.output).toMatch(/bad\.csv: row 3: the id column is empty/)
    const badId = join(dir.dir, 'bad-id.yaml')
    writeFileSync(badId, '- id: ok-2\n- id: "no/slash"\n')
    const refused = await cli('device', 'add', '--from', badId)
    expect(refused.output).toMatch(/400 .*devices\[1\]\.id: invalid device id "no\/slash"/)
    expect((await fetch(`${api}/v1/devices/ok-2`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(404)
  })
})
