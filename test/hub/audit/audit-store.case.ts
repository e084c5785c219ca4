// The audit store's conformance suite (aedes-persistence's abstract.js way): every backend runs it unchanged.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chained, GENESIS_HASH, linkProblem } from '../../../hub/audit/chain.js'
import type { Checkpoint } from '../../../hub/audit/signer.js'
import type { AuditEntry, AuditStore, StoredAuditEntry } from '../../../hub/audit/types.js'

export interface AuditStoreHarness {
  store: AuditStore
  /** Closes the store and its database and opens them again from disk. */
  reopen(): Promise<AuditStore>
  cleanup(): Promise<void>
}

const T0 = 1_700_000_000_000
const keyOf = (at: number, seq: number) => `${String(at).padStart(15, '0')}.${String(seq).padStart(12, '0')}`

/** `n` chained records one ms apart, with their keys. */
function chain(n: number, from = 0, prev = GENESIS_HASH): Array<[string, StoredAuditEntry]> {
  const out: Array<[string, StoredAuditEntry]> = []
  for (let seq = from; seq < from + n; seq++) {
    const entry: AuditEntry = { at: T0 + seq, actor: `user-${seq % 3}`, method: 'POST', route: '/v1/rules', target: `r${seq}`, status: 201, summary: { id: `r${seq}`, nested: { z: 1, a: [2] } } }
    const record = chained(entry, seq, prev)
    prev = record.hash
    out.push([keyOf(entry.at, seq), record])
  }
  return out
}

const checkpoint = (seq: number): Checkpoint => ({ seq, hash: 'h'.repeat(64), at: T0 + seq, sig: `sig-${seq}` })

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

export function runAuditStoreSuite(name: string, makeHarness: () => Promise<AuditStoreHarness>): void {
  describe(`AuditStore conformance: ${name}`, () => {
    let harness: AuditStoreHarness
    let store: AuditStore
    beforeEach(async () => {
      harness = await makeHarness()
      store = harness.store
    })
    afterEach(async () => harness.cleanup())
    const reopen = async () => (store = await harness.reopen())
    const putAll = async (rows: Array<[string, StoredAuditEntry]>) => {
      for (const [key, record] of rows) await store.put(key, record)
    }

    it('starts empty', async () => {
      expect(await store.last()).toBeUndefined()
      expect(await store.lastCheckpoint()).toBeUndefined()
      expect(await store.keyAt(0)).toBeUndefined()
      expect(await collect(store.entries())).toEqual([])
      expect(await collect(store.newestFirst(0, Number.MAX_SAFE_INTEGER))).toEqual([])
      expect(await collect(store.rawBlocks(10))).toEqual([])
      expect(await collect(store.checkpoints())).toEqual([])
      expect(await store.getMeta('migrated')).toBeUndefined()
    })

    it('keeps records in key order with the last one findable, after a reopen', async () => {
      const rows = chain(5)
      await putAll(rows)
      await reopen()
      expect(await collect(store.entries())).toEqual(rows)
      expect(await store.last()).toEqual({ key: rows[4][0], record: rows[4][1] })
      expect(await store.keyAt(0)).toBe(rows[0][0])
      expect(await store.keyAt(3)).toBe(rows[3][0])
      expect(await store.keyAt(5)).toBeUndefined()
    })

    it('answers a time range newest first, both ends included', async () => {
      const rows = chain(10)
      await putAll(rows)
      const seqs = async (from: number, to: number) => (await collect(store.newestFirst(from, to))).map((r) => r.seq)
      expect(await seqs(T0 + 2, T0 + 5)).toEqual([5, 4, 3, 2])
      expect(await seqs(T0 + 9, T0 + 9)).toEqual([9])
      expect(await seqs(T0 + 10, T0 + 20)).toEqual([])
      expect(await seqs(0, Number.MAX_SAFE_INTEGER - 1)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
      // Two records in one ms (a clock that stood still) are both in its range, the later seq first.
      await store.put(keyOf(T0 + 9, 10), chain(1, 10, rows[9][1].hash)[0][1])
      expect(await seqs(T0 + 9, T0 + 9)).toEqual([10, 9])
    })

    it('gives the stored bytes of every record in key order, in blocks, as JSON with the fields in written order', async () => {
      const rows = chain(5)
      await putAll(rows)
      await reopen()
      const blocks = await collect(store.rawBlocks(2))
      expect(blocks.map((b) => b.length)).toEqual([2, 2, 1])
      const decoded = blocks.flat().map((raw) => JSON.parse(Buffer.from(raw).toString('utf8')))
      expect(decoded).toEqual(rows.map(([, r]) => r))
      // The chain hashes the fields in their stored order: a backend that reorders them breaks every link.
      let prev = GENESIS_HASH
      for (const [seq, record] of decoded.entries()) {
        expect(Object.keys(record)).toEqual(Object.keys(rows[seq][1]))
        expect(linkProblem(record, seq, prev)).toBeUndefined()
        prev = record.hash
      }
    })

    it('stops a block walk early and stays usable', async () => {
      await putAll(chain(6))
      for await (const block of store.rawBlocks(2)) {
        expect(block).toHaveLength(2)
        break
      }
      await store.put(keyOf(T0 + 6, 6), chain(1, 6)[0][1])
      expect((await collect(store.rawBlocks(100))).flat()).toHaveLength(7)
    })

    it('replaces records by key in one write (the chain migration), leaving the others', async () => {
      const rows = chain(4)
      await putAll(rows)
      const rewritten = chain(2, 0, 'f'.repeat(64)).map(([, r], i): [string, StoredAuditEntry] => [rows[i][0], r])
      await store.replace(rewritten)
      await store.replace([])
      await reopen()
      expect(await collect(store.entries())).toEqual([...rewritten, ...rows.slice(2)])
    })

    it('keeps checkpoints by seq, ascending, the last findable, one per seq', async () => {
      for (const seq of [100, 2, 10]) await store.putCheckpoint(checkpoint(seq))
      await store.putCheckpoint({ ...checkpoint(10), sig: 'again' })
      await reopen()
      expect(await collect(store.checkpoints())).toEqual([checkpoint(2), { ...checkpoint(10), sig: 'again' }, checkpoint(100)])
      expect(await store.lastCheckpoint()).toEqual(checkpoint(100))
    })

    it('keeps bookkeeping by name', async () => {
      await store.putMeta('migrated', { records: 3, at: T0 })
      await reopen()
      expect(await store.getMeta('migrated')).toEqual({ records: 3, at: T0 })
      expect(await store.getMeta('other')).toBeUndefined()
    })
  })
}
