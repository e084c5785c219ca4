import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runOutpost, useOutpostProcesses } from '../helpers/processes.js'
import { waitFor } from '../helpers/temp.js'

const ADMIN = 'slo-admin-token-0123456789abcdef'

/** The built CLI end to end: `--slos` provisioning, an availability SLO from a real agent killed and restarted, `outpost report` and `outpost audit verify`. */
describe('availability SLO from a real agent (outpost hub, agent, report, audit verify)', () => {
  const outpost = useOutpostProcesses()
  const spawn = outpost.spawn

  it('a bad SLO file stops the hub naming the file, the SLO and the key', async () => {
    const file = join(outpost.dir, 'bad-slos.yaml')
    writeFileSync(file, '- id: ok\n  indicator: {kind: availability}\n  objective: 0.99\n- id: bad\n  indicator: {kind: availability}\n  objective: 99.9\n')
    const r = await runOutpost(['hub', '--host', '127.0.0.1', '--mqtt-port', '0', '--http-port', '0', '--data', join(outpost.dir, 'bad-hub'), '--slos', file], { OUTPOST_ADMIN_TOKEN: ADMIN })
    expect(r.code).not.toBe(0)
    expect(r.output).toContain(`SLO file ${file}: [1].objective:`)
  }, 60_000)

  it('counts the minutes the agent was down against the SLO and in the report', async () => {
    const slos = join(outpost.dir, 'slos.yaml')
    writeFileSync(slos, '- id: pumps-up\n  labels: {site: lab}\n  indicator: {kind: availability, device: "avail-*"}\n  window: {rolling: 1h}\n  objective: 0.999\n')
    const hub = spawn(['hub', '--host', '127.0.0.1', '--mqtt-port', '0', '--http-port', '0', '--data', join(outpost.dir, 'hub'), '--slos', slos], { OUTPOST_ADMIN_TOKEN: ADMIN })
    const [, mqttPort, api] = await hub.waitFor(/MQTT on 127\.0\.0\.1:(\d+), API on (http:\/\/127\.0\.0\.1:\d+)/)
    const cli = (...args: string[]) => runOutpost([...args, '--api', api, '--token', ADMIN])
    const get = async (path: string) => (await fetch(api + path, { headers: { authorization: `Bearer ${ADMIN}` } })).json()
    const added = await cli('device', 'add', 'avail-1')
    expect(added.code, added.output).toBe(0)
    const token = added.output.trim().split('\n').pop()!
    const agentArgs = ['agent', '--hub', `mqtt://127.0.0.1:${mqttPort}`, '--id', 'avail-1', '--interval', '1s', '--listen', '127.0.0.1:0', '--data', join(outpost.dir, 'agent')]
    const online = async (want: boolean) => waitFor(async () => (await get('/v1/devices/avail-1')).online === want, 20_000, `avail-1 ${want ? 'online' : 'offline'}`)

    const startedAt = Date.now()
    const first = spawn(agentArgs, { OUTPOST_TOKEN: token })
    await online(true)
    await new Promise((r) => setTimeout(r, 2000))
    const killedAt = Date.now()
    first.child.kill('SIGKILL')
    await first.exited
    await online(false)
    const offlineSeenAt = Date.now()
    await new Promise((r) => setTimeout(r, 3000))
    const restartedAt = Date.now()
    spawn(agentArgs, { OUTPOST_TOKEN: token })
    await online(true)
    const onlineSeenAt = Date.now()
    await new Promise((r) => setTimeout(r, 1000))

    const slo = await get('/v1/slos/pumps-up')
    expect(slo.source).toBe('file')
    const { good, total, sli } = slo.status
    // Minutes offline lie between what the test saw for sure and the most it could have been.
    const offlineMin = (total - good) * 60_000
    expect(offlineMin).toBeGreaterThanOrEqual(restartedAt - offlineSeenAt)
    expect(offlineMin).toBeLessThanOrEqual(onlineSeenAt - killedAt)
    expect(total * 60_000).toBeLessThanOrEqual(Date.now() - startedAt + 1000)
    expect(sli).toBeLessThan(1)
    expect(slo.status.burnRates['5m']).toBeGreaterThan(14.4)
    const rules = await get('/v1/rules')
    expect(rules.rules.filter((r: any) => r.source === 'slo').map((r: any) => r.id)).toEqual(['slo.pumps-up.page', 'slo.pumps-up.ticket'])

    const report = await cli('report', '--from', String(startedAt - 1000), '--format', 'json')
    expect(report.code, report.output).toBe(0)
    const json = JSON.parse(report.output)
    const row = json.devices.find((d: any) => d.device === 'avail-1')
    expect(row.observedMs - row.onlineMs).toBeGreaterThanOrEqual(restartedAt - offlineSeenAt)
    expect(row.observedMs - row.onlineMs).toBeLessThanOrEqual(onlineSeenAt - killedAt)
    expect(json.slos.map((s: any) => s.id)).toEqual(['pumps-up'])
    const csv = await cli('report', '--from', String(startedAt - 1000), '--format', 'csv')
    expect(csv.output).toContain('# devices')

    const verify = await cli('audit', 'verify')
    expect(verify.code, verify.output).toBe(0)
    expect(verify.output).toMatch(/Audit log intact: \d+ records/)
  }, 120_000)
})
