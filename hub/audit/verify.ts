import type { AuditLog } from './audit-log.js'
import { GENESIS_HASH, linkProblem } from './chain.js'
import type { AuditSigner, Checkpoint } from './signer.js'

/** The first place the chain does not hold. */
export interface BrokenLink {
  /** The chain position expected at that place. */
  seq: number
  /** Store key of the offending record (absent when a checkpoint names a record that is gone). */
  key?: string
  at?: number
  reason: string
}

export interface VerifyResult {
  ok: boolean
  records: number
  checkpoints: number
  head: { seq: number; hash: string } | null
  firstBroken?: BrokenLink
  tookMs: number
}

/**
 * Walks the audit chain in key order: every record must carry the next seq, point at the previous record's hash and
 * hash to its own contents; every checkpoint must be validly signed and match the record at its seq. Reports the first
 * break (an edit shows at the edited record, a deletion or reordering at the first record out of place, a truncation
 * of the tail at the checkpoint past the end).
 */
export async function verifyAudit(log: AuditLog, signer: AuditSigner | undefined): Promise<VerifyResult> {
  const started = performance.now()
  await log.idle()
  const checkpoints = new Map<number, Checkpoint>()
  let firstBroken: BrokenLink | undefined
  for await (const cp of log.checkpoints.values()) {
    if (signer && !signer.verify(cp) && !firstBroken) firstBroken = { seq: cp.seq, reason: `checkpoint at seq ${cp.seq} has a bad signature` }
    checkpoints.set(cp.seq, cp)
  }
  let prev = GENESIS_HASH
  let seq = 0
  for await (const [key, record] of log.table.iterator()) {
    if (firstBroken) break
    const problem = linkProblem(record as unknown as Record<string, unknown>, seq, prev)
    if (problem) {
      firstBroken = { seq, key, at: record.at, reason: problem }
      break
    }
    const cp = checkpoints.get(seq)
    if (cp && cp.hash !== record.hash) {
      firstBroken = { seq, key, at: record.at, reason: `record differs from the signed checkpoint at seq ${seq}` }
      break
    }
    prev = record.hash
    seq++
  }
  if (!firstBroken) {
    const beyond = [...checkpoints.keys()].filter((s) => s >= seq).sort((a, b) => a - b)[0]
    if (beyond !== undefined) firstBroken = { seq, reason: `a signed checkpoint names seq ${beyond}, but the chain ends before it (records were removed from the end)` }
  }
  return {
    ok: !firstBroken,
    records: seq,
    checkpoints: checkpoints.size,
    head: seq > 0 ? { seq: seq - 1, hash: prev } : null,
    ...(firstBroken ? { firstBroken } : {}),
    tookMs: Math.round(performance.now() - started),
  }
}
