import { createHash } from 'node:crypto'

/** The hash the first chained record points back to (docs/security.md, audit chain). */
export const GENESIS_HASH = createHash('sha256').update('outpost-audit-genesis-v1').digest('hex')

/** The chain fields every audit record carries. */
export interface ChainLink {
  /** Position in the chain, 0 for the first record. */
  seq: number
  /** Hash of the previous record (GENESIS_HASH for seq 0). */
  prev: string
  /** sha256(prev + "\n" + JSON of the record without `hash`), hex. */
  hash: string
}

/** The hash of a record whose fields (all but `hash`, in stored order) are `body`. */
export function linkHash(prev: string, body: Record<string, unknown>): string {
  return createHash('sha256').update(prev).update('\n').update(JSON.stringify(body)).digest('hex')
}

/** A record with its chain fields, ready to store: `prev` and `seq` are part of what is hashed. */
export function chained<T extends object>(entry: T, seq: number, prev: string): T & ChainLink {
  const body = { ...entry, seq, prev }
  return { ...body, hash: linkHash(prev, body) }
}

/** Why a stored record does not continue the chain, or undefined when it does. */
export function linkProblem(record: Record<string, unknown>, expectedSeq: number, expectedPrev: string): string | undefined {
  const { hash, ...body } = record
  if (typeof hash !== 'string') return 'record has no hash (not chained)'
  if (record.seq !== expectedSeq) return `seq ${String(record.seq)} where ${expectedSeq} was expected (a record was deleted, inserted or moved)`
  if (record.prev !== expectedPrev) return 'prev does not match the previous record\'s hash (a record was deleted, inserted or moved)'
  if (linkHash(expectedPrev, body) !== hash) return 'hash does not match the record\'s contents (the record was edited)'
  return undefined
}
