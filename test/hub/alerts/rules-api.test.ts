import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startTestHub, type TestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { api, TestDevice } from '../../helpers/alerts.js'
import { runOutpost } from '../../helpers/processes.js'

const RULE = { id: 'pressure-high', kind: 'threshold', metric: 'pump_pressure_bars', agg: 'last', op: '>', threshold: 5, severity: 'high' }

describe('/v1/rules', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let hub: TestHub | undefined
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await hub?.stop()
    hub = undefined
    await dir.cleanup()
  })

  it('refuses invalid rules with a 400 naming the field', async () => {
    hub = await startTestHub(dir.dir)
    const a = api(hub.apiUrl)
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...RULE, op: '=>' }, 'op'],
      [{ ...RULE, threshold: 'high' }, 'threshold'],
      [{ ...RULE, metric: undefined }, 'metric'],
      [{ ...RULE, kind: 'magic' }, 'kind'],
      [{ ...RULE, id: 'a/b' }, 'id'],
      [{ ...RULE, severity: 'urgent' }, 'severity'],
      [{ ...RULE, for: 'soon' }, 'for'],
      [{ ...RULE, clearThreshold: 6 }, 'clearThreshold'],
      [{ ...RULE, window: 0 }, 'window'],
      [{ id: 'x', kind: 'health', check: 'api', status: ['sick'] }, 'status.0'],
      [{ ...RULE, clearTreshold: 4 }, 'clearTreshold'],
    ]
    for (const [body, field] of cases) {
      const res = await a.post('/v1/rules', body)
      expect(res.status, JSON.stringify(body)).toBe(400)
      expect(res.body.error.field, JSON.stringify(res.body)).toBe(field)
      expect(res.body.error.message).toContain(field)
    }
    const bad = await fetch(`${hub.apiUrl}/v1/rules`, { method: 'POST', headers: { authorization: 'Bearer test-admin-token-0123456789' }, body: '{' })
    expect(bad.status).toBe(400)
    expect((await a.get('/v1/rules')).body.rules).toEqual([])
  })

  it('creates, reads, replaces and deletes; deleting a rule resolves its alerts', async () => {
    hub = await startTestHub(dir.dir, { alerts: { evalInterval: 100 } })
    const a = api(hub.apiUrl)
    const created = await a.post('/v1/rules', RULE)
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ ...RULE, for: 0, window: 60_000, groupBy: ['device'], source: 'api', enabled: true })
    expect((await a.post('/v1/rules', RULE)).status).toBe(409)
    expect((await a.get('/v1/rules/pressure-high')).body.threshold).toBe(5)
    // A rule read back can be sent back changed.
    const replaced = await a.put('/v1/rules/pressure-high', { ...created.body, threshold: 6 })
    expect(replaced.status).toBe(200)
    expect(replaced.body.threshold).toBe(6)
    expect((await a.put('/v1/rules/nope', RULE)).status).toBe(404)
    expect((await a.get('/v1/rules')).body.rules.map((r: { id: string }) => r.id)).toEqual(['pressure-high'])

    const device = await TestDevice.connect(hub.mqttUrl, 'pump-1')
    await device.gauge('pump_pressure_bars', 5.5)
    await new Promise((r) => setTimeout(r, 300))
    expect((await a.get('/v1/alerts')).body.alerts).toEqual([])
    await device.gauge('pump_pressure_bars', 6.5)
    await waitFor(async () => (await a.get('/v1/alerts?state=firing')).body.alerts.length === 1, 10_000, 'firing')
    expect((await a.del('/v1/rules/pressure-high')).status).toBe(204)
    expect((await a.get('/v1/rules/pressure-high')).status).toBe(404)
    const [alert] = (await a.get('/v1/alerts')).body.alerts
    expect(alert).toMatchObject({ state: 'resolved', resolvedBy: 'system' })
    await device.close()
  })

  it('provisions rules from a YAML file given at start; file rules are changed in the file, not the API', async () => {
    const file = join(dir.dir, 'rules.yaml')
    await writeFile(file, `- {id: cpu-hot, kind: threshold, metric: cpu, op: ">", threshold: 0.9, clearThreshold: 0.8, for: 2m, severity: high}\n- {id: gone, kind: offline}\n`)
    hub = await startTestHub(dir.dir, { rules: file })
    const a = api(hub.apiUrl)
    expect((await a.get('/v1/rules')).body.rules.map((r: { id: string; source: string }) => `${r.id}:${r.source}`)).toEqual(['cpu-hot:file', 'gone:file'])
    expect((await a.get('/v1/rules/cpu-hot')).body).toMatchObject({ for: 120_000, clearThreshold: 0.8 })
    expect((await a.put('/v1/rules/cpu-hot', { ...RULE, id: undefined })).status).toBe(409)
    expect((await a.del('/v1/rules/cpu-hot')).status).toBe(409)
    await a.post('/v1/rules', RULE)
    await hub.stop()

    // The file is the source of truth for its rules: removed there, removed here; API rules stay.
    await writeFile(file, `- {id: cpu-hot, kind: threshold, metric: cpu, op: ">", threshold: 0.95}\n`)
    hub = await startTestHub(dir.dir, { rules: file })
    const rules = (await api(hub.apiUrl).get('/v1/rules')).body.rules
    expect(rules.map((r: { id: string }) => r.id)).toEqual(['cpu-hot', 'pressure-high'])
    expect(rules[0].threshold).toBe(0.95)
    await hub.stop()

    await writeFile(file, `- {id: ok, kind: offline}\n- {id: bad, kind: threshold, metric: cpu, op: ">"}\n`)
    hub = undefined
    await expect(startTestHub(dir.dir, { rules: file })).rejects.toThrow(/rules\.yaml: \[1\]\.threshold/)
  })

  it('outpost hub --rules FILE with a bad rule exits with a config error naming the rule and field', async () => {
    const file = join(dir.dir, 'bad-rules.yaml')
    await writeFile(file, `- {id: cpu-hot, kind: threshold, metric: cpu, op: ">", threshold: 0.9, severity: urgent}\n`)
    const { code, output } = await runOutpost(['hub', '--rules', file, '--data', join(dir.dir, 'cli-hub'), '--mqtt-port', '0', '--http-port', '0'])
    expect(code).toBe(2)
    expect(output).toMatch(/outpost: config: rules file .*bad-rules\.yaml: \[0\]\.severity/)
  })
})
