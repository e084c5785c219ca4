import { createServer } from 'node:net'
import { join } from 'node:path'
import { Level } from 'level'
import { LevelMetricStore } from '../../hub/metrics/store/index.js'
import type { Database } from '../../hub/storage/db.js'
import { spawnOutpost, type Proc } from '../helpers/processes.js'

export const ADMIN = 'delivery-admin-token-0123456789ab'
export const PROBE = 'probe_seq'

/** A free loopback port, so a restarted hub can come back where its agents expect it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

export interface HubProc extends Proc {
  api: string
}

export async function startHubProcess(data: string, mqttPort: number, env: Record<string, string> = {}, extra: string[] = []): Promise<HubProc> {
  const proc = spawnOutpost(
    // Delivery, not auth, is under test: agents connect without provisioning (the topic ACL still applies).
    ['hub', '--insecure', '--host', '127.0.0.1', '--mqtt-port', String(mqttPort), '--http-port', '0', '--data', data, '--log-level', 'warning', '--compact-interval', '1s', ...extra],
    { OUTPOST_ADMIN_TOKEN: ADMIN, ...env },
  )
  // Generous: on a 2-core machine at load 30 a hub took over 20 s to listen (corrupt-loop and soak runs).
  const m = await proc.waitFor(/API on (http:\/\/127\.0\.0\.1:\d+)/, 60_000)
  return Object.assign(proc, { api: m[1] })
}

export interface AgentProc extends Proc {
  ingest: string
}

export async function startAgentProcess(data: string, mqttPort: number, listenPort: number, extra: string[] = [], env: Record<string, string> = {}): Promise<AgentProc> {
  const proc = spawnOutpost(
    ['agent', '--hub', `mqtt://127.0.0.1:${mqttPort}`, '--id', 'probe-dev', '--data', data, '--listen', `127.0.0.1:${listenPort}`,
      '--interval', '1h', '--uplink-reconnect-min', '100ms', '--uplink-reconnect-max', '500ms', '--uplink-ack-timeout', '3s', '--log-level', 'warning', ...extra],
    env,
  )
  const ingest = `http://127.0.0.1:${listenPort}/v1/ingest`
  // The listener answers once the buffer is open (after a repair, in a child process: over 15 s at load 30).
  const deadline = Date.now() + 60_000
  while (!(await fetch(`http://127.0.0.1:${listenPort}/healthz`).then((r) => r.ok, () => false))) {
    if (Date.now() > deadline || proc.child.exitCode !== null || proc.child.signalCode !== null) throw new Error(`agent did not come up:\n${proc.output()}`)
    await new Promise((r) => setTimeout(r, 50))
  }
  return Object.assign(proc, { ingest })
}

const T0 = 1_790_000_000_000

/**
 * Posts probe samples [from, from+count): value k at a time unique to k. Resolves with the values the agent
 * accepted (2xx) and the number of requests refused; a refused request's values are not accepted.
 */
export async function postProbes(ingest: string, from: number, count: number, perRequest = 500, labels: Record<string, string> = {}): Promise<{ accepted: number[]; refused: number }> {
  const accepted: number[] = []
  let refused = 0
  for (let start = from; start < from + count; start += perRequest) {
    const values = Array.from({ length: Math.min(perRequest, from + count - start) }, (_, k) => start + k)
    // k + 0.5: exact in binary, and a float on the wire (9 bytes) like real gauges, so a backlog has a realistic size.
    const metrics = values.map((v) => ({ name: PROBE, type: 'gauge', labels, ts: Date.now() - 60_000 + (v % 50_000), value: v + 0.5 }))
    const ok = await fetch(ingest, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metrics }) }).then(
      (r) => r.ok,
      () => false,
    )
    if (ok) accepted.push(...values.map((v) => v + 0.5))
    else refused++
  }
  return { accepted, refused }
}

/** Opens the (stopped) hub's LevelDB and counts how often each probe value was stored. */
export async function storedProbeCounts(hubData: string, device = 'probe-dev', name = PROBE, open?: () => Database): Promise<Map<number, number>> {
  const db = open ? open() : new Level<string, any>(hubData, { valueEncoding: 'json' })
  await db.open()
  const store = new LevelMetricStore(db)
  await store.open()
  const counts = new Map<number, number>()
  try {
    const series = await store.series({ name, labels: { device } })
    for (const s of await store.read(series, 0, Number.MAX_SAFE_INTEGER)) {
      for (const v of s.values) counts.set(v, (counts.get(v) ?? 0) + 1)
    }
  } finally {
    await store.close()
    await db.close()
  }
  return counts
}

export interface CheckResult {
  accepted: number
  stored: number
  lost: number
  duplicated: number
  unexpected: number
}

/** The checker: every accepted value stored exactly once, nothing else stored. */
export function check(accepted: Iterable<number>, stored: Map<number, number>): CheckResult {
  const want = new Set(accepted)
  let lost = 0
  let duplicated = 0
  let unexpected = 0
  for (const v of want) if (!stored.has(v)) lost++
  for (const [v, n] of stored) {
    if (n > 1) duplicated += n - 1
    if (!want.has(v)) unexpected++
  }
  let total = 0
  for (const n of stored.values()) total += n
  return { accepted: want.size, stored: total, lost, duplicated, unexpected }
}

export const hubDataOf = (dir: string) => join(dir, 'hub')
export { T0 }

/** Waits until the agent's buffer is empty (every batch acked by the hub). */
export async function drained(listenPort: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    last = await fetch(`http://127.0.0.1:${listenPort}/metrics`).then((r) => r.text(), () => '')
    if (/^outpost_agent_batches_pending 0$/m.test(last)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`agent did not drain within ${timeoutMs} ms:\n${last.split('\n').filter((l) => l.startsWith('outpost_agent')).join('\n')}`)
}

export async function agentMetric(listenPort: number, line: RegExp): Promise<number> {
  const text = await fetch(`http://127.0.0.1:${listenPort}/metrics`).then((r) => r.text())
  const m = line.exec(text)
  return m ? Number(m[1]) : NaN
}
