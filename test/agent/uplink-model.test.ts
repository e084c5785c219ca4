import { afterEach, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decode as decodeCbor, encode as encodeCbor } from 'cbor-x'
import { LevelBuffer } from '../../agent/buffer/level-buffer.js'
import { Uplink } from '../../agent/uplink.js'
import { startBroker, type BrokerHandle } from '../../hub/broker.js'
import { decodeBatch, encodeAck } from '../../protocol/codec.js'
import { topics } from '../../protocol/topics.js'
import { MetricsBuilder } from '../../protocol/metrics-builder.js'
import { tempDir, waitFor, silent } from '../helpers/temp.js'

/**
 * Model-based runs of the agent's uplink and buffer against a scripted hub (issue 11): random appends, cumulative and
 * selective acks in and out of order, stale acks, and hub restarts (a real aedes broker closed and started again on
 * its port: acks in flight lost, unacked batches redelivered), checked after every step against a model of what was
 * accepted and what the hub stored: every accepted batch is held by the buffer or stored at the hub (delivered or
 * counted: the cap is large enough that nothing is dropped, so nothing may be counted), a seq is never reused for
 * other data, each lane sends the batches it starts in a session in seq order, acked batches leave the buffer, and
 * the disk stays within the cap. The run ends with the hub acking everything: all of it stored, each once.
 */
const CAP = 8 * 1024 * 1024
/** What the steps did across the runs, for the closing line. */
const seen = { restarts: 0, acks: 0, appended: 0 }
const DEVICE = 'd1'

const bodyOf = (tag: number) => {
  const b = new MetricsBuilder()
  b.add({ name: 'x', type: 'gauge', labels: {} }, 1_700_000_000_000 + tag, tag)
  return encodeCbor({ m: b.build() })
}
/** The tag a body carries (its one sample's value), as the buffer holds it and as the hub decodes it. */
const tagOfBody = (body: Uint8Array) => String((decodeCbor(body) as { m: { v: number[] } }).m.v[0])
const tagOfBatch = (m: unknown) => String(Object.values((m as { values: Record<string, number> }).values)[0])

/** A hub whose store survives its broker's restarts; it acks only when a step says so (or, at the end, always). */
class ModelHub {
  broker!: BrokerHandle
  port = 0
  readonly stored = new Map<number, string>()
  /** Per session and lane, the seqs first sent in that session, in arrival order. */
  readonly firstSends = new Map<string, number[]>()
  private sentInSession = new Set<number>()
  session = 0
  highestLo = 1
  epoch = ''
  autoAck = false
  reused: string[] = []

  async start(): Promise<void> {
    this.broker = await startBroker({ host: '127.0.0.1', port: this.port, maxPacketBytes: 1024 * 1024 })
    this.port = this.broker.port
    this.broker.broker.on('client', () => {
      this.session++
      this.sentInSession = new Set()
    })
    this.broker.broker.on('publish', (packet) => {
      if (packet.topic !== topics.telemetry(DEVICE)) return
      const batch = decodeBatch(packet.payload as Buffer)
      this.epoch = batch.ep
      this.highestLo = Math.max(this.highestLo, batch.lo ?? 1)
      const data = tagOfBatch(batch.m)
      const before = this.stored.get(batch.seq)
      if (before !== undefined && before !== data) this.reused.push(`seq ${batch.seq}`)
      this.stored.set(batch.seq, data)
      if (!this.sentInSession.has(batch.seq)) {
        this.sentInSession.add(batch.seq)
        const lane = `${this.session}:${batch.hist ? 'hist' : 'live'}`
        this.firstSends.set(lane, [...(this.firstSends.get(lane) ?? []), batch.seq])
      }
      // A batch it acked before comes again (its ack was lost in flight): acked again at once, as the hub does.
      if (this.autoAck || this.acked(batch.seq)) this.ack(this.watermark(), [[batch.seq, batch.seq]])
    })
  }

  async restart(): Promise<void> {
    await this.broker.close()
    await this.start()
  }

  /** The highest seq with every seq up to it stored or below the agent's `lo` (what a cumulative ack may say). */
  watermark(): number {
    let w = this.highestLo - 1
    while (this.stored.has(w + 1)) w++
    return w
  }

  private ackedUpTo = 0
  private readonly ackedAbove = new Set<number>()

  acked(seq: number): boolean {
    return seq <= this.ackedUpTo || this.ackedAbove.has(seq)
  }

  ack(seq: number, ranges?: Array<[number, number]>): void {
    this.ackedUpTo = Math.max(this.ackedUpTo, seq)
    for (const [a, b] of ranges ?? []) for (let s = a; s <= b; s++) this.ackedAbove.add(s)
    const payload = Buffer.from(encodeAck(ranges ? { ep: this.epoch, seq, r: ranges } : { ep: this.epoch, seq }))
    this.broker.broker.publish({ cmd: 'publish', topic: topics.ack(DEVICE), payload, qos: 1, retain: false, dup: false }, () => {})
  }
}

interface Model {
  /** Accepted: seq → the data appended under it. */
  accepted: Map<number, string>
  /** Seqs the hub acked (the buffer must let them go). */
  acked: Set<number>
  next: number
}

interface Real {
  buffer: LevelBuffer
  uplink: Uplink
  hub: ModelHub
}

async function held(buffer: LevelBuffer): Promise<Map<number, string>> {
  const out = new Map<number, string>()
  for (let after = 0; ; ) {
    const page = await buffer.read(after, 1_000)
    if (page.length === 0) return out
    for (const b of page) out.set(b.seq, tagOfBody(b.body))
    after = page[page.length - 1].seq
  }
}

async function check(m: Model, r: Real): Promise<void> {
  // Acked batches leave the buffer (the ack travels through the broker: wait for it).
  await waitFor(async () => [...(await held(r.buffer)).keys()].every((s) => !m.acked.has(s)), 10_000, 'acked batches deleted')
  const now = await held(r.buffer)
  for (const [seq, data] of m.accepted) {
    // Delivered or held: never gone uncounted (nothing is dropped under this cap, nothing damaged).
    expect(now.get(seq) ?? r.hub.stored.get(seq), `seq ${seq} held or stored`).toBe(data)
  }
  for (const [seq, data] of now) expect(m.accepted.get(seq), `held seq ${seq} was accepted as such`).toBe(data)
  expect(r.hub.reused, 'a seq sent with other data').toEqual([])
  for (const [lane, seqs] of r.hub.firstSends) expect(seqs, `lane ${lane} in order`).toEqual([...seqs].sort((a, b) => a - b))
  const stats = r.buffer.stats()
  expect(stats.droppedBatches).toEqual({})
  expect(stats.diskBytes).toBeLessThanOrEqual(CAP + r.buffer.fileBytes)
}

class Append implements fc.AsyncCommand<Model, Real> {
  constructor(readonly count: number) {}
  check = () => true
  async run(m: Model, r: Real) {
    const tags = Array.from({ length: this.count }, (_, k) => m.next * 10 + k)
    const seqs = await r.buffer.appendMany(tags.map(bodyOf))
    seqs.forEach((seq, k) => m.accepted.set(seq, String(tags[k])))
    m.next = Math.max(...seqs) + 1
    seen.appended += seqs.length
    r.uplink.notify()
    await check(m, r)
  }
  toString = () => `append(${this.count})`
}

/** The hub acks cumulatively up to what it may (its watermark), with or without ranges above it. */
class AckStored implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly picks: number[],
    readonly cumulative: boolean,
  ) {}
  check = () => true
  async run(m: Model, r: Real) {
    const w = r.hub.watermark()
    const above = [...r.hub.stored.keys()].filter((s) => s > w).sort((a, b) => a - b)
    // Out of order: the ranges in the order picked, not sorted.
    const ranges = above.length === 0 ? [] : this.picks.map((p): [number, number] => [above[p % above.length], above[p % above.length]])
    if (!this.cumulative && ranges.length === 0) return
    r.hub.ack(this.cumulative ? w : 0, ranges.length > 0 ? ranges : undefined)
    seen.acks++
    if (this.cumulative) for (let s = 1; s <= w; s++) if (m.accepted.has(s)) m.acked.add(s)
    for (const [s] of ranges) m.acked.add(s)
    await check(m, r)
  }
  toString = () => `ack(${this.cumulative ? 'watermark' : '0'}, [${this.picks.join(',')}])`
}

/** An old ack again (a redelivered or reordered one): changes nothing. */
class StaleAck implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    if (m.acked.size === 0) return
    r.hub.ack(Math.max(0, Math.min(...m.acked) - 1))
    await check(m, r)
  }
  toString = () => 'staleAck'
}

/** The hub's broker goes away and comes back on its port: acks in flight are lost, the agent resends. */
class HubRestart implements fc.AsyncCommand<Model, Real> {
  check = () => true
  async run(m: Model, r: Real) {
    await r.hub.restart()
    seen.restarts++
    await waitFor(() => r.uplink.connected, 20_000, 'reconnected')
    await check(m, r)
  }
  toString = () => 'hubRestart'
}

const commands = [
  fc.integer({ min: 1, max: 12 }).map((n) => new Append(n)),
  fc.tuple(fc.array(fc.nat(), { maxLength: 4 }), fc.boolean()).map(([p, c]) => new AckStored(p, c)),
  fc.tuple(fc.array(fc.nat(), { maxLength: 4 }), fc.constant(true)).map(([p, c]) => new AckStored(p, c)),
  fc.constant(new StaleAck()),
  fc.constant(new HubRestart()),
]

describe('Uplink and buffer against a model (fast-check)', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c()
  })

  it('every accepted batch is held or stored, none under another seq, lanes in order, acked ones deleted; all delivered at the end', { timeout: 300_000 }, async () => {
    const runs = Number(process.env.OUTPOST_UPLINK_MODEL_RUNS ?? 12)
    let cases = 0
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 12 }), async (cmds) => {
        cases++
        const dir = await tempDir()
        const buffer = new LevelBuffer(dir.dir, { maxBytes: CAP, policy: 'drop_oldest' })
        await buffer.open()
        const hub = new ModelHub()
        hub.epoch = buffer.epoch
        await hub.start()
        const uplink = new Uplink(buffer, {
          hubUrl: `mqtt://127.0.0.1:${hub.port}`,
          deviceId: DEVICE,
          version: 't',
          hostInfo: async () => ({}),
          inflight: 6,
          ackTimeoutMs: 1_500,
          reconnectBaseMs: 50,
          reconnectMaxMs: 200,
          keepaliveSeconds: 10,
          maxBytesPerSecond: 0,
          log: silent,
        })
        uplink.start()
        const real: Real = { buffer, uplink, hub }
        const model: Model = { accepted: new Map(), acked: new Set(), next: 1 }
        try {
          await waitFor(() => uplink.connected, 20_000, 'connected')
          await fc.asyncModelRun(() => ({ model, real }), cmds)
          // The end: the hub acks everything it stores; all accepted data is stored, each seq with its own data.
          hub.autoAck = true
          hub.ack(hub.watermark(), [...hub.stored.keys()].map((s): [number, number] => [s, s]).slice(0, 64))
          await waitFor(() => buffer.stats().pending === 0, 30_000, 'drained')
          for (const [seq, data] of model.accepted) expect(hub.stored.get(seq), `seq ${seq} stored`).toBe(data)
          expect(hub.reused).toEqual([])
        } finally {
          await uplink.stop()
          await hub.broker.close()
          await buffer.close()
          await dir.cleanup()
        }
      }),
      { numRuns: runs, seed: process.env.OUTPOST_MODEL_SEED ? Number(process.env.OUTPOST_MODEL_SEED) : undefined },
    )
    console.log(`uplink model: ${cases} cases (${runs} runs plus shrinking; ${seen.appended} batches, ${seen.acks} acks, ${seen.restarts} hub restarts), OUTPOST_UPLINK_MODEL_RUNS=N for more`)
  })
})
