// abstract-level's own test suite (the one every LevelDB-like database runs: ordering, ranges, reverse, limits,
// seek, batches, encodings, sublevels, snapshots, clear) against the PostgreSQL backend, through tape inside vitest.
import { createRequire } from 'node:module'
import { expect, it } from 'vitest'
import { PostgresLevel } from '../../../../hub/storage/postgres/level.js'
import { freshSchema, usePostgres } from '../../../helpers/postgres-store-harness.js'

const require = createRequire(import.meta.url)
const tape = require('tape') as typeof import('tape')
const suite = require('abstract-level/test') as (options: { test: unknown; factory: (options?: object) => unknown }) => void

const pg = usePostgres()

it('passes abstract-level 3 test suite', async () => {
  const harness = tape.createHarness()
  const failures: string[] = []
  let asserts = 0
  harness.createStream({ objectMode: true }).on('data', (row: any) => {
    if (row.type !== 'assert') return
    asserts++
    if (!row.ok && !row.todo) failures.push(`${row.name}: expected ${JSON.stringify(row.expected)}, got ${JSON.stringify(row.actual)}${row.error?.stack ? `\n${row.error.stack.split('\n').slice(0, 4).join('\n')}` : ''}`)
  })
  if (process.env.OUTPOST_TAP_FILE) harness.createStream().pipe(require('node:fs').createWriteStream(process.env.OUTPOST_TAP_FILE))
  const url = pg().url()
  suite({ test: harness, factory: (options = {}) => new PostgresLevel(url, { schema: freshSchema(), poolSize: 2, snapshotPoolSize: 110, idleMs: 200, ...options }) })
  await new Promise<void>((resolve) => harness.onFinish(() => resolve()))
  expect(failures.slice(0, 30)).toEqual([])
  expect(asserts).toBeGreaterThan(1000)
}, 900_000)
