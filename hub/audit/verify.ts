import type { AuditLog } from './audit-log.js'
import * as crypto from 'node:crypto'
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
  for await (const cp of log.store.checkpoints()) {
    if (signer && !signer.verify(cp) && !firstBroken) firstBroken = { seq: cp.seq, reason: `checkpoint at seq ${cp.seq} has a bad signature` }
    checkpoints.set(cp.seq, cp)
  }
  let prev = GENESIS_HASH
  let seq = 0
  const check = new FastLinkCheck()
  // Values only: keys are looked up again for the one record a break is reported at.
  // A checkpoint with a bad signature is already the first break: the walk is skipped.
  const blocks = firstBroken ? [] : log.store.rawBlocks(2000)
  walk: for await (const values of blocks) {
    for (const raw of values) {
      let hash = check.link(raw, seq, prev)
      if (hash === undefined) {
        // Not the stored shape a sound record has: decode it to say what is wrong (or accept an equivalent encoding).
        const record = JSON.parse(Buffer.from(raw).toString('utf8'))
        const problem = linkProblem(record, seq, prev)
        if (problem) {
          firstBroken = { seq, key: await log.store.keyAt(seq), at: record.at, reason: problem }
          break walk
        }
        hash = record.hash as string
      }
      const cp = checkpoints.get(seq)
      if (cp && cp.hash !== hash) {
        const at = JSON.parse(Buffer.from(raw).toString('utf8')).at
        firstBroken = { seq, key: await log.store.keyAt(seq), at, reason: `record differs from the signed checkpoint at seq ${seq}` }
        break walk
      }
      prev = hash
      seq++
    }
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

const HASH_TAIL = Buffer.from(',"hash":"')
const PREV_HEAD = Buffer.from(',"prev":"')
// crypto.hash (one call, no Hash object) is Node ≥ 20.12; older 20.x fall back to createHash.
const oneShot = (crypto as { hash?: (alg: string, data: Uint8Array, enc: 'hex') => string }).hash

/**
 * Checks one record from its stored bytes without decoding it. A record is stored as the JSON of its fields with
 * `seq`, `prev` and `hash` last (chain.ts), so the hashed input is `prev`, a newline, the bytes before
 * `,"hash":"…"` and `}`, laid out in one scratch buffer and hashed in one call. `link` returns the record's hash when
 * it continues the chain, undefined when it does not (or is shaped otherwise).
 */
class FastLinkCheck {
  private scratch = Buffer.alloc(4096)

  link(raw: Uint8Array, seq: number, prev: string): string | undefined {
    const n = raw.length
    if (n < 160 || raw[n - 1] !== 0x7d || raw[n - 2] !== 0x22) return undefined
    const buf = Buffer.from(raw.buffer, raw.byteOffset, n)
    if (buf.compare(HASH_TAIL, 0, 9, n - 75, n - 66) !== 0 || buf.compare(PREV_HEAD, 0, 9, n - 149, n - 140) !== 0 || buf[n - 76] !== 0x22) return undefined
    if (buf.toString('latin1', n - 140, n - 76) !== prev) return undefined
    const seqText = `,"seq":${seq}`
    if (buf.toString('latin1', n - 149 - seqText.length, n - 149) !== seqText) return undefined
    const size = 65 + (n - 75) + 1
    if (this.scratch.length < size) this.scratch = Buffer.alloc(size * 2)
    const s = this.scratch
    s.write(prev, 0, 'latin1')
    s[64] = 0x0a
    buf.copy(s, 65, 0, n - 75)
    s[size - 1] = 0x7d
    const input = s.subarray(0, size)
    const expected = oneShot ? oneShot('sha256', input, 'hex') : crypto.createHash('sha256').update(input).digest('hex')
    const hash = buf.toString('latin1', n - 66, n - 2)
    return expected === hash ? hash : undefined
  }
}
