import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { PostgresLevel } from '../../hub/storage/postgres/level.js'
import type { Database } from '../../hub/storage/db.js'
import { psql, type PostgresServer } from '../helpers/postgres.js'
import { usePostgres } from '../helpers/postgres-store-harness.js'
import { runOutpost } from '../helpers/processes.js'
import { tempDir, waitFor } from '../helpers/temp.js'
import { ADMIN, agentMetric, check, drained, freePort, postProbes, startAgentProcess, startHubProcess, storedProbeCounts, type AgentProc, type HubProc } from './harness.js'

// Issue 16: `outpost hub --store postgres://…` as a real child process with a real agent and a real PostgreSQL 15;
// every stored value is counted in PostgreSQL (through the metric store over the PostgreSQL tables) and through the
// hub's Prometheus API.
describe('hub on PostgreSQL (--store)', { timeout: 240_000 }, () => {
  const postgres = usePostgres()
  let pg: PostgresServer
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: HubProc | undefined
  let agent: AgentProc | undefined
  let url = ''
  let databases = 0
  beforeAll(() => {
    pg = postgres()
  })
  beforeEach(async () => {
    dir = await tempDir()
    const name = `hub${++databases}`
    await pg.createDatabase(name)
    url = pg.url(name)
  })
  afterEach(async () => {
    await agent?.stop('SIGKILL')
    await hub?.stop('SIGKILL')
    agent = hub = undefined
    await dir.cleanup()
  })

  const startHub = (mqttPort: number) => startHubProcess(join(dir.dir, 'hub'), mqttPort, {}, ['--store', url])
  const openStore = () => new PostgresLevel(url, { valueEncoding: 'json' }) as unknown as Database
  /** Samples of probe_seq the running hub answers through its Prometheus API. */
  const apiCount = async (h: HubProc) => {
    const q = new URLSearchParams({ query: 'sum(count_over_time(probe_seq[1h]))', time: String(Date.now() / 1000 + 60) })
    const body = await (await fetch(`${h.api}/prometheus/api/v1/query?${q}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()
    return Number(body.data.result[0]?.value[1] ?? 0)
  }

  it('kill -9 of the hub during delivery, restart: every sample stored once, in PostgreSQL and through the API', async () => {
    const mqttPort = await freePort()
    const listenPort = await freePort()
    hub = await startHub(mqttPort)
    agent = await startAgentProcess(join(dir.dir, 'agent'), mqttPort, listenPort)
    const accepted: number[] = []
    accepted.push(...(await postProbes(agent.ingest, 0, 10_000)).accepted)
    await hub.stop('SIGKILL') // mid-delivery: batches in flight, some committed and not acked
    accepted.push(...(await postProbes(agent.ingest, 10_000, 5_000)).accepted)
    hub = await startHub(mqttPort)
    accepted.push(...(await postProbes(agent.ingest, 15_000, 5_000)).accepted)
    await drained(listenPort, 120_000)
    expect(await apiCount(hub)).toBe(20_000)
    expect(await agent.stop('SIGTERM')).toBe(0)
    expect(await hub.stop('SIGTERM'), hub.output()).toBe(0)
    agent = hub = undefined
    const result = check(accepted, await storedProbeCounts('', 'probe-dev', 'probe_seq', openStore))
    expect(result).toEqual({ accepted: 20_000, stored: 20_000, lost: 0, duplicated: 0, unexpected: 0 })
    // One table per keyspace table, named after it, with the schema version beside them.
    const tables = (await psql(pg.port, url.split('/').pop()!, "SELECT name FROM outpost_tables ORDER BY name")).split('\n')
    expect(tables).toEqual(expect.arrayContaining([expect.stringMatching(/^kv_m_dedup_/), expect.stringMatching(/^kv_m_head_/), 'kv_devices']))
    expect(await psql(pg.port, url.split('/').pop()!, 'SELECT version FROM outpost_schema')).toBe('2')
  })

  it('PostgreSQL stopped under load: no acks, devices keep their buffers, /readyz unready; ingest resumes when it returns, nothing lost', async () => {
    const mqttPort = await freePort()
    const listenPort = await freePort()
    hub = await startHub(mqttPort)
    agent = await startAgentProcess(join(dir.dir, 'agent'), mqttPort, listenPort)
    const api = (path: string) => fetch(hub!.api + path, { headers: { authorization: `Bearer ${ADMIN}` } })
    const accepted = (await postProbes(agent.ingest, 0, 5_000)).accepted
    await drained(listenPort, 90_000)
    expect((await api('/readyz')).status).toBe(200)

    await pg.stop()
    let next = 5_000
    await waitFor(async () => {
      accepted.push(...(await postProbes(agent!.ingest, next, 500)).accepted)
      next += 500
      return (await api('/readyz')).status === 503
    }, 60_000, 'the hub to go unready with PostgreSQL down')
    expect((await (await api('/readyz')).json()).reason).toMatch(/PostgreSQL unreachable/)
    accepted.push(...(await postProbes(agent.ingest, next, 2_000)).accepted)
    next += 2_000
    await new Promise((r) => setTimeout(r, 2_000))
    expect(await agentMetric(listenPort, /^outpost_agent_batches_pending (\d+)$/m)).toBeGreaterThanOrEqual(4)
    expect(hub.child.exitCode).toBeNull()

    await pg.start()
    await waitFor(async () => (await api('/readyz')).status === 200, 60_000, 'the hub to be ready again')
    accepted.push(...(await postProbes(agent.ingest, next, 1_000)).accepted)
    await drained(listenPort, 120_000)
    expect(await apiCount(hub)).toBe(accepted.length)
    expect(await agent.stop('SIGTERM')).toBe(0)
    expect(await hub.stop('SIGTERM'), hub.output()).toBe(0)
    agent = hub = undefined
    const result = check(accepted, await storedProbeCounts('', 'probe-dev', 'probe_seq', openStore))
    expect(result).toEqual({ accepted: accepted.length, stored: accepted.length, lost: 0, duplicated: 0, unexpected: 0 })
  })

  it('refuses a store whose schema version it does not know: one line, exit 2', async () => {
    const db = openStore()
    await db.open()
    await db.close()
    await psql(pg.port, url.split('/').pop()!, 'UPDATE outpost_schema SET version = 99')
    const run = await runOutpost(['hub', '--host', '127.0.0.1', '--mqtt-port', '0', '--http-port', '0', '--data', join(dir.dir, 'hub'), '--store', url, '--log-level', 'error'], { OUTPOST_ADMIN_TOKEN: ADMIN })
    expect(run.code, run.output).toBe(2)
    expect(run.output.trim().split('\n')).toEqual(['outpost: PostgreSQL store has schema version 99; this hub knows versions 1-2 (upgrade the hub, or use another database)'])
  })
})
