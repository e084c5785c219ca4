// The keyspace table (hub/storage/keyspace.ts) is complete: every table a real hub writes is listed there, every
// table is opened through it, and docs/storage.md prints every entry.
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { KEYSPACE, keyspaceEntry } from '../../../hub/storage/keyspace.js'
import { api, TestDevice } from '../../helpers/alerts.js'
import { startTestHub } from '../../helpers/hub.js'
import { tempDir, waitFor } from '../../helpers/temp.js'
import { startReceiver } from '../../helpers/webhook-receiver.js'

const root = resolve(import.meta.dirname, '../../..')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : []
  })
}

describe('keyspace', () => {
  let cleanup: Array<() => Promise<unknown>> = []
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c()
    cleanup = []
  })

  it('lists every table a hub writes: metrics, logs, spans, health, alerts, a webhook queue, devices, audit', async () => {
    const dir = await tempDir()
    cleanup.push(dir.cleanup)
    const receiver = await startReceiver()
    cleanup.push(receiver.close)
    const hub = await startTestHub(dir.dir, { alerts: { evalInterval: 100 }, notifiers: [{ kind: 'webhook', url: receiver.url }] })
    let stopped = false
    cleanup.push(async () => stopped || hub.stop())
    expect((await api(hub.apiUrl).post('/v1/rules', { id: 'hot', kind: 'threshold', metric: 't', agg: 'last', op: '>', threshold: 1, severity: 'high' })).status).toBe(201)
    const device = await TestDevice.connect(hub.mqttUrl, 'edge-1')
    const now = Date.now()
    await device.send({
      metrics: [{ name: 't', value: 5, ts: now }],
      logs: [{ ts: now, level: 'error', message: 'boom', component: 'pump' }],
      spans: [{ traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', name: 'GET /', service: 'api', start: now - 5, end: now }],
      health: [{ check: 'db', kind: 'tcp', status: 'healthy', ts: now }],
    })
    await waitFor(() => receiver.accepted.length > 0, 15_000, 'webhook delivery')
    await device.close()
    await hub.stop()
    stopped = true

    const db = new Level<string, string>(join(dir.dir, 'hub'), { keyEncoding: 'utf8', valueEncoding: 'buffer' as never })
    await db.open()
    const prefixes = new Set<string>()
    for await (const key of db.keys()) prefixes.add(key.slice(1, key.indexOf('!', 1)))
    await db.close()
    for (const prefix of ['m-series', 'm-head', 'm-dedup', 'l-head', 't-head', 'h-cur', 'alert-rules', 'alerts', 'devices']) expect(prefixes).toContain(prefix)
    expect([...prefixes].filter((p) => !keyspaceEntry(p))).toEqual([])
  }, 60_000)

  it('every table is opened through the keyspace: no other file calls db.sublevel', () => {
    const callers = sourceFiles(join(root, 'hub')).filter((f) => /\.sublevel\s*[<(]/.test(readFileSync(f, 'utf8')))
    expect(callers.map((f) => f.slice(root.length + 1))).toEqual(['hub/storage/keyspace.ts'])
  })

  it.each(['docs/storage.md', 'docs/architecture.md'])('%s lists every prefix with its key layout', (page) => {
    const doc = readFileSync(join(root, page), 'utf8')
    for (const [prefix, entry] of Object.entries(KEYSPACE)) {
      expect(doc, prefix).toContain(`| \`${prefix}\` | ${entry.key} | ${entry.encoding} | ${entry.what} |`)
    }
  })
})
