import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { encode as encodeCbor } from 'cbor-x'
import { Level } from 'level'
import type { AbstractSublevel } from 'abstract-level'
import { LevelBuffer } from '../../agent/buffer/level-buffer.js'
import { seqKey } from '../../agent/buffer/record.js'
import { Uplink } from '../../agent/uplink.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { startTestHub, type TestHub } from '../helpers/hub.js'
import { silent, tempDir, waitFor } from '../helpers/temp.js'
import { check, PROBE, storedProbeCounts } from './harness.js'

const BATCHES = 60
const PER_BATCH = 200
const HIDDEN_FROM = 20
const HIDDEN_TO = 35
const DEVICE = 'probe-dev'

/** Batch b carries the probe values b*PER_BATCH + k + 0.5, unique across batches. */
function probeBody(b: number): Uint8Array {
  const m = new MetricsBuilder()
  const now = Date.now()
  for (let k = 0; k < PER_BATCH; k++) m.add({ name: PROBE, type: 'gauge', labels: {} }, now - 60_000 + k, b * PER_BATCH + k + 0.5)
  return encodeCbor({ m: m.build() })
}

/**
 * The uncounted loss after buffer damage (docs/delivery.md, "Damage"): LevelDB reads do not verify checksums and
 * a read that stops at its limit passes over a table it cannot open without reporting it, so the buffer's lowest
 * key, found by a seek, could lie above records it still held. Sent as the batches' `lo`, it let the hub's watermark
 * pass them; when a later read (after the repair, or another seek) found them, the hub took them for duplicates and
 * acked them: lost, counted nowhere. Which reads LevelDB's damage hides depends on its file layout, so here the
 * records are taken out of the reads' reach below the buffer (its counters keep them), then put back.
 */
describe('records a damaged table hides from reads for a while', () => {
  let dir: { dir: string; cleanup: () => Promise<void> } | undefined
  let hub: TestHub | undefined
  let buffer: LevelBuffer | undefined
  let uplink: Uplink | undefined
  afterEach(async () => {
    await uplink?.stop()
    await buffer?.close()
    await hub?.stop()
    await dir?.cleanup()
    dir = hub = buffer = uplink = undefined
  })

  const startUplink = (url: string) => {
    uplink = new Uplink(buffer!, {
      hubUrl: url,
      deviceId: DEVICE,
      version: 't',
      hostInfo: async () => ({}),
      inflight: 8,
      ackTimeoutMs: 5_000,
      reconnectBaseMs: 50,
      reconnectMaxMs: 200,
      keepaliveSeconds: 10,
      log: silent,
    })
    uplink.start()
  }

  it('are delivered once they can be read again, never acked as duplicates of what the hub never had', { timeout: 90_000 }, async () => {
    dir = await tempDir()
    const data = join(dir.dir, 'agent')
    buffer = new LevelBuffer(data, { maxBytes: 16 * 1024 * 1024, policy: 'block' })
    await buffer.open()
    for (let b = 0; b < BATCHES; b++) await buffer.append(probeBody(b))
    await buffer.close()

    // Seqs HIDDEN_FROM..HIDDEN_TO go out of the reads' reach while the counters still hold them: what a table that a
    // seek passes over without an error does (a bare LevelDB below the buffer, so the buffer's counters stay).
    const hiddenRecords = await bare(data, async (batches) => {
      const records = await batches.iterator({ gte: seqKey(HIDDEN_FROM), lte: seqKey(HIDDEN_TO) }).all()
      await batches.batch(records.map(([key]) => ({ type: 'del' as const, key })))
      return records
    })
    expect(hiddenRecords).toHaveLength(HIDDEN_TO - HIDDEN_FROM + 1)

    buffer = new LevelBuffer(data, { maxBytes: 16 * 1024 * 1024, policy: 'block' })
    await buffer.open()
    expect(buffer.stats().pending).toBe(BATCHES)
    hub = await startTestHub(dir.dir)
    startUplink(hub.mqttUrl)
    const visible = BATCHES - hiddenRecords.length
    await waitFor(() => uplink!.counters.acked >= visible, 30_000, 'every readable batch delivered')
    // Below the hidden seqs the hub was never told "nothing held", however far the seek-found lowest key moved.
    expect(buffer.lowestSeq()).toBeGreaterThan(HIDDEN_TO)
    expect(buffer.ackFloor()).toBe(HIDDEN_FROM)

    // The records are readable again; the agent restarts and sends what it holds.
    await uplink!.stop()
    await buffer.close()
    await bare(data, (batches) => batches.batch(hiddenRecords.map(([key, value]) => ({ type: 'put' as const, key, value }))))
    buffer = new LevelBuffer(data, { maxBytes: 16 * 1024 * 1024, policy: 'block' })
    await buffer.open()
    startUplink(hub.mqttUrl)
    await waitFor(async () => (await hub!.get(`/v1/devices/${DEVICE}`)).body.counters?.batches + 0 >= BATCHES, 30_000, 'the hidden batches stored')
    await uplink!.stop()
    uplink = undefined
    await hub.stop()
    hub = undefined

    const accepted = Array.from({ length: BATCHES * PER_BATCH }, (_, v) => v + 0.5)
    const result = check(accepted, await storedProbeCounts(join(dir.dir, 'hub'), DEVICE))
    // Nothing lost: every accepted value is stored once. (While hidden they were counted as corrupt, the agent's
    // recount of counters that promise records no read returns; delivered after all, they are counted, not lost.)
    expect(result).toEqual({ accepted: BATCHES * PER_BATCH, stored: BATCHES * PER_BATCH, lost: 0, duplicated: 0, unexpected: 0 })
  })
})

/** Runs `fn` on the buffer's batch records through a bare LevelDB handle, below the buffer and its counters. */
async function bare<T>(data: string, fn: (batches: AbstractSublevel<Level<string, Uint8Array>, string | Buffer | Uint8Array, string, Uint8Array>) => Promise<T>): Promise<T> {
  const db = new Level<string, Uint8Array>(data, { valueEncoding: 'view' })
  await db.open()
  try {
    return await fn(db.sublevel<string, Uint8Array>('b', { valueEncoding: 'view' }))
  } finally {
    await db.close()
  }
}
