import { afterAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { postgresServer, psql, type PostgresServer } from '../helpers/postgres.js'

describe('postgres test harness', () => {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-pg-'))
  let pg: PostgresServer | undefined
  afterAll(async () => {
    await pg?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  it('starts PostgreSQL 15, keeps data through kill -9 and restart', async () => {
    pg = await postgresServer(dir)
    expect(await psql(pg.port, 'outpost', 'SHOW server_version')).toMatch(/^15\./)
    await psql(pg.port, 'outpost', 'CREATE TABLE t (v int); INSERT INTO t VALUES (1), (2)')
    await pg.kill()
    await pg.start()
    expect(await psql(pg.port, 'outpost', 'SELECT sum(v) FROM t')).toBe('3')
  }, 120_000)
})
