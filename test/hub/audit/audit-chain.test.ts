import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { AuditLog } from '../../../hub/audit/audit-log.js'
import { LevelAuditStore } from '../../../hub/audit/level-audit-store.js'
import { AuditSigner } from '../../../hub/audit/signer.js'
import { verifyAudit } from '../../../hub/audit/verify.js'
import { startTestHub, TEST_ADMIN_TOKEN } from '../../helpers/hub.js'
import { runOutpost } from '../../helpers/processes.js'
import { tempDir } from '../../helpers/temp.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function auditDb(records: number, checkpointEvery = 1000) {
  const t = await tempDir()
  cleanups.push(t.cleanup)
  const db = new Level<string, any>(join(t.dir, 'db'), { valueEncoding: 'json' })
  await db.open()
  cleanups.push(() => db.close())
  const signer = AuditSigner.openOrCreate(join(t.dir, 'key.pem'))
  let now = 1_700_000_000_000
  const log = new AuditLog(new LevelAuditStore(db), () => now++, { signer, checkpointEvery })
  await log.open()
  for (let i = 0; i < records; i++) await log.record({ actor: `user-${i % 3}`, method: 'POST', route: '/v1/rules', target: `r${i}`, status: 200 })
  await log.checkpoint()
  const table = db.sublevel<string, any>('audit', { valueEncoding: 'json' })
  const keys = await table.keys().all()
  return { db, log, signer, table, keys, verify: () => verifyAudit(log, signer) }
}

describe('audit hash chain', () => {
  it('verifies an untouched chain', async () => {
    const a = await auditDb(50, 20)
    const r = await a.verify()
    expect(r).toMatchObject({ ok: true, records: 50, checkpoints: 3, head: { seq: 49 } })
  })

  it('finds an edited record at its own place', async () => {
    const a = await auditDb(50)
    const rec = await a.table.get(a.keys[20])
    await a.table.put(a.keys[20], { ...rec, actor: 'someone-else' })
    const r = await a.verify()
    expect(r.ok).toBe(false)
    expect(r.firstBroken).toMatchObject({ seq: 20, key: a.keys[20], reason: expect.stringContaining('edited') })
    expect(r.records).toBe(20)
  })

  it('finds a deleted record at the first record out of place', async () => {
    const a = await auditDb(50)
    await a.table.del(a.keys[30])
    const r = await a.verify()
    expect(r.firstBroken).toMatchObject({ seq: 30, key: a.keys[31], reason: expect.stringContaining('deleted') })
  })

  it('finds two records swapped at the first of them', async () => {
    const a = await auditDb(50)
    const [x, y] = [await a.table.get(a.keys[10]), await a.table.get(a.keys[11])]
    await a.table.batch([
      { type: 'put', key: a.keys[10], value: y },
      { type: 'put', key: a.keys[11], value: x },
    ])
    const r = await a.verify()
    expect(r.firstBroken).toMatchObject({ seq: 10, key: a.keys[10] })
  })

  it('finds a rewritten chain (every hash recomputed) by the signed checkpoint', async () => {
    const a = await auditDb(30, 10)
    // An attacker without the key edits record 5 and re-chains everything after it with valid hashes.
    const { chained } = await import('../../../hub/audit/chain.js')
    const records = await a.table.values().all()
    let prev = records[4].hash
    for (let i = 5; i < records.length; i++) {
      const { seq, prev: _p, hash: _h, ...entry } = records[i]
      if (i === 5) entry.actor = 'forged'
      const next = chained(entry, seq, prev)
      await a.table.put(a.keys[i], next)
      prev = next.hash
    }
    const r = await a.verify()
    expect(r.firstBroken).toMatchObject({ seq: 9, reason: expect.stringContaining('checkpoint') })
  })

  it('finds records cut from the end by the checkpoint past the end', async () => {
    const a = await auditDb(30, 10)
    for (const k of a.keys.slice(25)) await a.table.del(k)
    const r = await a.verify()
    expect(r.firstBroken).toMatchObject({ seq: 25, reason: expect.stringContaining('removed from the end') })
  })

  it('finds a forged checkpoint by its signature', async () => {
    const a = await auditDb(30, 10)
    const cps = a.db.sublevel<string, any>('audit-checkpoints', { valueEncoding: 'json' })
    const [key, cp] = (await cps.iterator({ limit: 1 }).all())[0]
    await cps.put(key, { ...cp, at: cp.at + 1 })
    const r = await a.verify()
    expect(r.firstBroken).toMatchObject({ seq: cp.seq, reason: expect.stringContaining('bad signature') })
  })
})

describe('audit chain in the hub', () => {
  it('chains a data dir made before the chain existed from the genesis marker, then keeps it', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const data = join(t.dir, 'hub')
    execFileSync('mkdir', ['-p', data])
    // Made by the hub of commit adecc4f (test/fixtures/hub-data/make-pre-audit-chain.mjs): 9 unchained records.
    execFileSync('tar', ['xzf', join(import.meta.dirname, '../../fixtures/hub-data/pre-audit-chain.tar.gz'), '-C', data])
    const h = await startTestHub(t.dir, { adminToken: 'legacy-admin-token-0123456789' })
    cleanups.push(() => h.stop())
    const auth = { authorization: 'Bearer legacy-admin-token-0123456789' }
    const before = await (await fetch(`${h.apiUrl}/v1/audit/verify`, { headers: auth })).json()
    expect(before).toMatchObject({ ok: true, records: 9, checkpoints: 1 })
    const old = await (await fetch(`${h.apiUrl}/v1/audit?limit=1000`, { headers: auth })).json()
    expect(old.entries.map((e: any) => e.seq)).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0])
    expect(old.entries.at(-1)).toMatchObject({ route: '/v1/devices', method: 'POST', actor: 'admin' })
    const res = await fetch(`${h.apiUrl}/v1/devices`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ id: 'new-one' }) })
    expect(res.status).toBe(201)
    const after = await (await fetch(`${h.apiUrl}/v1/audit/verify`, { headers: auth })).json()
    expect(after).toMatchObject({ ok: true, records: 10 })
  })

  it('outpost audit verify exits 1 naming the first broken link of a live hub', async () => {
    const t = await tempDir()
    cleanups.push(t.cleanup)
    const h = await startTestHub(t.dir)
    cleanups.push(() => h.stop())
    for (const id of ['v-1', 'v-2', 'v-3']) await fetch(`${h.apiUrl}/v1/devices`, { method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ id }) })
    await h.hub.audit.idle()
    const cli = () => runOutpost(['audit', 'verify', '--api', h.apiUrl, '--token', TEST_ADMIN_TOKEN])
    const good = await cli()
    expect(good.code, good.output).toBe(0)
    expect(good.output).toMatch(/Audit log intact: 3 records/)
    const records = (h.hub.audit.store as LevelAuditStore).records
    const [key, rec] = (await records.iterator({ limit: 2 }).all())[1]
    await records.put(key, { ...rec, target: 'v-9' })
    const bad = await cli()
    expect(bad.code).toBe(1)
    expect(bad.output).toContain(`Audit log BROKEN at seq 1, key ${key}`)
    expect(bad.output).toContain('the record was edited')
  }, 90_000)

  it('records reads by API tokens when audit.reads is on, and only then', async () => {
    for (const reads of [false, true]) {
      const t = await tempDir()
      cleanups.push(t.cleanup)
      const h = await startTestHub(t.dir, { audit: { reads } })
      cleanups.push(() => h.stop())
      await h.get('/v1/devices')
      await h.get('/v1/metrics/names')
      await h.hub.audit.idle()
      const { body } = await h.get('/v1/audit')
      const gets = body.entries.filter((e: any) => e.method === 'GET')
      if (!reads) expect(gets).toEqual([])
      else expect(gets.map((e: any) => e.route).sort()).toEqual(['/v1/devices', '/v1/metrics/names'])
    }
  })
})
