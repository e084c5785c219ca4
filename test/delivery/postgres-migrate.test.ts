import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { psql, type PostgresServer } from '../helpers/postgres.js'
import { usePostgres } from '../helpers/postgres-store-harness.js'
import { runOutpost } from '../helpers/processes.js'
import { tempDir } from '../helpers/temp.js'
import { ADMIN, drained, freePort, hubDataOf, postProbes, startAgentProcess, startHubProcess, type AgentProc, type HubProc } from './harness.js'

// Issue 16, item 5: `outpost migrate --from DIR --to postgres://…` on a real hub's data (real hub and agent
// processes), interrupted by a SIGKILL mid-copy, run again: it resumes, the counts agree per table, and a hub on the
// PostgreSQL store answers the same queries as it did on LevelDB.
describe('outpost migrate (LevelDB → PostgreSQL)', { timeout: 240_000 }, () => {
  const postgres = usePostgres()
  let pg: PostgresServer
  let dir: { dir: string; cleanup: () => Promise<void> }
  let hub: HubProc | undefined
  let agent: AgentProc | undefined
  beforeAll(() => {
    pg = postgres()
  })
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(async () => {
    await agent?.stop('SIGKILL')
    await hub?.stop('SIGKILL')
    agent = hub = undefined
    await dir.cleanup()
  })

  const QUERIES = ['sum(count_over_time(probe_seq[1h]))', 'max(max_over_time(probe_seq[1h]))', 'sum(sum_over_time(probe_seq[1h]))']
  const answers = async (h: HubProc, at: number) => {
    const out: string[] = []
    for (const query of QUERIES) {
      const q = new URLSearchParams({ query, time: String(at) })
      const body = await (await fetch(`${h.api}/prometheus/api/v1/query?${q}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()
      out.push(JSON.stringify(body.data.result))
    }
    const devices = await (await fetch(`${h.api}/v1/devices`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()
    out.push(JSON.stringify((devices.devices ?? devices).map((d: any) => d.id)))
    return out
  }

  it('copies a hub table by table, resumes after a kill, verifies counts; a hub on the target answers the same', async () => {
    const mqttPort = await freePort()
    const listenPort = await freePort()
    const data = hubDataOf(dir.dir)
    hub = await startHubProcess(data, mqttPort)
    agent = await startAgentProcess(join(dir.dir, 'agent'), mqttPort, listenPort)
    await postProbes(agent.ingest, 0, 8_000)
    await drained(listenPort, 90_000)
    const at = Date.now() / 1000 + 60
    const before = await answers(hub, at)
    expect(JSON.parse(before[0])[0].value[1]).toBe('8000')
    expect(await agent.stop('SIGTERM')).toBe(0)
    expect(await hub.stop('SIGTERM')).toBe(0)
    agent = hub = undefined

    await pg.createDatabase('migrated')
    const url = pg.url('migrated')
    // Interrupted: SIGKILL after 3 batches of 10 rows.
    const first = await runOutpost(['migrate', '--from', data, '--to', url, '--batch-rows', '10'], { OUTPOST_TEST_MIGRATE_CRASH_AFTER: '30' }, 120_000)
    expect(first.code, first.output).toBeNull() // killed by its signal
    const partial = Number(await psql(pg.port, 'migrated', 'SELECT count(*) FROM outpost_tables'))
    expect(partial).toBeGreaterThan(0)

    const second = await runOutpost(['migrate', '--from', data, '--to', url, '--batch-rows', '10'], {}, 180_000)
    expect(second.code, second.output).toBe(0)
    expect(second.output).toMatch(/\(resumed, \d+ copied now\)/)
    expect(second.output).toMatch(/^migrated: \d+ tables, \d+ rows, counts verified$/m)
    for (const line of second.output.split('\n').filter((l) => / rows/.test(l) && !l.startsWith('migrated'))) {
      const m = /: (\d+)\/(\d+) rows/.exec(line)
      expect(m?.[1], line).toBe(m?.[2])
    }
    // A third run copies nothing and still verifies.
    const third = await runOutpost(['migrate', '--from', data, '--to', url], {}, 120_000)
    expect(third.code, third.output).toBe(0)

    hub = await startHubProcess(join(dir.dir, 'hub-pg'), mqttPort, {}, ['--store', url])
    expect(await answers(hub, at)).toEqual(before)
  })
})
