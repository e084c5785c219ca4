import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { postgresServer, psql, type PostgresServer } from '../helpers/postgres.js'
import { checkFence, FencedError, NotLeaderError, PostgresLeader } from '../../hub/cluster/leader.js'
import { PostgresLevel } from '../../hub/storage/postgres/level.js'
import { FencedWriteError } from '../../hub/storage/postgres/writer.js'

const quiet = () => {}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

/** A leader-only write as a store backend makes it: the fence checked in the write's own transaction. */
async function fencedInsert(url: string, term: number, value: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query('BEGIN')
    await checkFence((sql) => client.query(sql), term)
    await client.query('INSERT INTO writes (v) VALUES ($1)', [value])
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK')
    throw err
  } finally {
    await client.end()
  }
}

describe('leader lock on PostgreSQL (advisory lock + fencing term)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-leader-'))
  let server: PostgresServer
  let url: string
  const leaders: PostgresLeader[] = []
  const make = (): PostgresLeader => {
    const l = new PostgresLeader({ url, log: quiet })
    leaders.push(l)
    return l
  }

  beforeAll(async () => {
    server = await postgresServer(dir)
    url = server.url()
    await psql(server.port, 'outpost', 'CREATE TABLE writes (v text)')
  }, 120_000)
  afterAll(async () => {
    for (const l of leaders) await l.stop()
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('one of two hubs leads; its connection killed, it stops at once and a hub leads again within 10 s with a higher term; the old term is fenced', async () => {
    const a = make()
    const b = make()
    const changes: string[] = []
    a.onChange((on) => changes.push(`a:${on}`))
    b.onChange((on) => changes.push(`b:${on}`))
    await a.start()
    await b.start()
    await until('a leader', () => a.leader !== b.leader)
    const [holder, other] = a.leader ? [a, b] : [b, a]

    const first = holder.term!
    expect(first).toBeGreaterThan(0)
    expect(other.term).toBeUndefined()
    await expect(other.fenced(async () => 1)).rejects.toBeInstanceOf(NotLeaderError)

    // The leader's work sees its term as the fence; a write with it passes.
    const seen = await holder.fenced(async () => holder.currentFence())
    expect(seen).toBe(first)
    await fencedInsert(url, first, 'first')

    // Stays stable: several retry periods later nothing changed hands.
    await new Promise((r) => setTimeout(r, 2_500))
    expect(holder.leader).toBe(true)
    expect(other.leader).toBe(false)

    await psql(
      server.port,
      'outpost',
      "SELECT pg_terminate_backend(l.pid) FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted",
    )
    const killedAt = Date.now()
    await until('the holder to step down', () => changes.includes(`${holder === a ? 'a' : 'b'}:false`), 5_000)
    // Either hub may win the next try (the old holder reconnects as a follower within a second too).
    await until('a new leader', () => (a.leader && a.term! > first) || (b.leader && b.term! > first), 10_000)
    expect(Date.now() - killedAt).toBeLessThan(10_000)
    const next = a.leader ? a : b
    expect(a.leader && b.leader).toBe(false)

    // The stale leader's write fails; the new leader's passes.
    await expect(fencedInsert(url, first, 'stale')).rejects.toBeInstanceOf(FencedError)
    await fencedInsert(url, next.term!, 'second')
    expect(await psql(server.port, 'outpost', 'SELECT string_agg(v, \',\' ORDER BY v) FROM writes')).toBe('first,second')
    await new Promise((r) => setTimeout(r, 2_500))
    expect(a.leader !== b.leader).toBe(true)
    expect(changes.filter((c) => c.endsWith('true')).length).toBe(2)
    await a.stop()
    await b.stop()
  }, 120_000)

  it('a holder process killed with -9: a follower takes over within 10 s', async () => {
    // psql holds the same lock as a stand-in leader process, its session idle like a hub's between pings (the hub
    // process case is test/cluster/pg-hubs.test.ts).
    const holder = spawn('/usr/lib/postgresql/15/bin/psql', ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'outpost', '-d', 'outpost'], {
      stdio: ['pipe', 'ignore', 'ignore'],
    })
    holder.stdin!.write(`SELECT pg_advisory_lock(${0x4f55544c});\n`)
    await until('psql to hold the lock', async () => (await psql(server.port, 'outpost', "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")) === '1')
    const follower = make()
    await follower.start()
    await new Promise((r) => setTimeout(r, 2_000))
    expect(follower.leader).toBe(false)
    const killedAt = Date.now()
    holder.kill('SIGKILL')
    await until('the follower to take over', () => follower.leader, 10_000)
    expect(Date.now() - killedAt).toBeLessThan(10_000)
    await follower.stop()
    expect(follower.leader).toBe(false)
  }, 120_000)

  it('PostgreSQL restarted: the leader steps down while it is away, and a hub leads again after, with a higher term', async () => {
    const a = make()
    await a.start()
    await until('a leader', () => a.leader)
    const before = a.term!
    await server.stop()
    await until('a to step down', () => !a.leader, 10_000)
    await server.start()
    await until('a leader again', () => a.leader, 30_000)
    expect(a.term!).toBeGreaterThan(before)
    await a.stop()
  }, 120_000)

  it('the PostgreSQL store fences leader-only writes: the leader term passes, a stale one fails alone, unfenced writes go on', async () => {
    const a = make()
    await a.start()
    await until('a leader', () => a.leader)
    const db = new PostgresLevel(url, { fence: () => a.currentFence(), valueEncoding: 'utf8' })
    await db.open()
    try {
      await a.fenced(() => db.put('compacted', 'by the leader'))
      const stale = a.term!
      // A new term (another hub took over while this one did not know yet): its leader-only writes must fail.
      await a.stop()
      const b = make()
      await b.start()
      await until('b leader', () => b.leader)
      expect(b.term!).toBeGreaterThan(stale)
      const staleDb = new PostgresLevel(url, { fence: () => stale, valueEncoding: 'utf8' })
      await staleDb.open()
      try {
        const [fenced, plain] = await Promise.allSettled([staleDb.put('compacted', 'by the stale leader'), db.put('ingest', 'any hub')])
        expect(fenced.status === 'rejected' && fenced.reason).toBeInstanceOf(FencedWriteError)
        expect(plain.status).toBe('fulfilled')
        await staleDb.batch([{ type: 'del', key: 'compacted' }]).then(
          () => expect.unreachable('a stale delete must fail'),
          (err) => expect(err.cause ?? err).toBeInstanceOf(FencedWriteError),
        )
      } finally {
        await staleDb.close()
      }
      expect(await db.get('compacted')).toBe('by the leader')
      expect(await db.get('ingest')).toBe('any hub')
      await b.stop()
    } finally {
      await db.close()
    }
  }, 120_000)
})
