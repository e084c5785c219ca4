import { join } from 'node:path'
import { Level } from 'level'
import { AuditLog } from '../hub/audit/audit-log.js'
import { LevelAuditStore } from '../hub/audit/level-audit-store.js'
import { chained, GENESIS_HASH } from '../hub/audit/chain.js'
import { AuditSigner } from '../hub/audit/signer.js'
import { verifyAudit } from '../hub/audit/verify.js'

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/**
 * Audit chain verification (issue 20 asks ≤ 5 s for 1 M records): 1,000,000 chained records of API-call size and a
 * checkpoint per 1,000, then GET /v1/audit/verify's walk, median of 3. Baseline in the same run: iterating the same
 * records without checking them, decoded (JSON) and as raw bytes (what reading alone costs).
 */
export async function benchAudit(dir: string, records = 1_000_000): Promise<Record<string, number>> {
  const db = new Level<string, any>(join(dir, 'db'), { valueEncoding: 'json' })
  await db.open()
  const signer = AuditSigner.openOrCreate(join(dir, 'key.pem'))
  const store = new LevelAuditStore(db)
  const log = new AuditLog(store, Date.now, { signer })
  const t0 = 1_700_000_000_000
  let prev = GENESIS_HASH
  const writeStarted = performance.now()
  let ops: any[] = []
  for (let seq = 0; seq < records; seq++) {
    const entry = { at: t0 + seq, actor: `token-${seq % 7}`, method: 'POST', route: '/v1/rules', target: `rule-${seq % 100}`, status: 201, summary: { id: `rule-${seq % 100}`, kind: 'threshold', metric: 'system_cpu_usage_ratio', op: '>', threshold: 0.9 } }
    const rec = chained(entry, seq, prev)
    prev = rec.hash
    ops.push({ type: 'put', sublevel: store.records, key: `${String(entry.at).padStart(15, '0')}.${String(seq).padStart(12, '0')}`, value: rec })
    if ((seq + 1) % 1000 === 0) ops.push({ type: 'put', sublevel: store.checkpointTable, key: String(seq).padStart(12, '0'), value: signer.sign({ seq, hash: rec.hash, at: entry.at }) })
    if (ops.length >= 10_000) await db.batch(ops.splice(0))
  }
  if (ops.length > 0) await db.batch(ops)
  const writeSeconds = (performance.now() - writeStarted) / 1000
  const verify: number[] = []
  const verifyCpu: number[] = []
  const read: number[] = []
  const rawRead: number[] = []
  let ok = 0
  for (let run = 0; run < 3; run++) {
    let started = performance.now()
    let n = 0
    for await (const _ of store.records.values()) n++
    read.push((performance.now() - started) / 1000)
    if (n !== records) throw new Error(`read ${n} records`)
    started = performance.now()
    const it = store.raw.iterator()
    for (let batch = await it.nextv(1000); batch.length > 0; batch = await it.nextv(1000)) n += batch.length
    await it.close()
    rawRead.push((performance.now() - started) / 1000)
    started = performance.now()
    const cpu = process.cpuUsage()
    const r = await verifyAudit(log, signer)
    verify.push((performance.now() - started) / 1000)
    const used = process.cpuUsage(cpu)
    verifyCpu.push((used.user + used.system) / 1e6)
    if (r.ok && r.records === records) ok++
  }
  await db.close()
  return {
    records,
    'write (batched, chained) s': writeSeconds,
    'verify s (median of 3)': median(verify),
    'verify CPU s, all threads (median of 3)': median(verifyCpu),
    'verified ok (of 3 runs)': ok,
    'baseline read only, decoded s (median of 3)': median(read),
    'baseline read only, raw bytes s (median of 3)': median(rawRead),
    'verify / decoded read ×': median(verify) / median(read),
    'verify / raw read ×': median(verify) / median(rawRead),
  }
}
