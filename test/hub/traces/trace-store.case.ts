import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SpanRecord } from '../../../protocol/batch.js'
import type { SpanNode, StoredSpan, TraceStore, TraceStoreOptions } from '../../../hub/traces/index.js'

// The shared conformance suite of the trace store (the aedes-persistence abstract.js way): every implementation of
// hub/traces/types.ts TraceStore runs it unchanged, through the batch commit as the hub ingests.

export interface TraceStoreHarness {
  /** The store under test; replaced by reopen(). */
  traces: TraceStore
  /** Ingests a batch of spans through the exactly-once batch write (dedup mark and all), as the hub does. */
  ingest(dev: string, seq: number, spans: SpanRecord[], tsOffset?: number): Promise<{ duplicate: boolean }>
  /** Closes the store and its database and opens both again from disk (a hub restart). */
  reopen(): Promise<void>
  /** Moves everything ingested so far to the store's long-term form (a block store seals its head); may do nothing. */
  seal(): Promise<void>
  cleanup(): Promise<void>
}

export type TraceHarnessFactory = (options?: Partial<TraceStoreOptions>) => Promise<TraceStoreHarness>

const T0 = 1_795_000_000_000
const DAY = 86_400_000
const ALL = { from: T0 - DAY, to: T0 + DAY, limit: 100 }

/** A span with defaults: service `api`, status unset, lasting `duration` ms from `start`. */
export function span(traceId: string, spanId: string, start: number, duration: number, extra: Partial<SpanRecord> = {}): SpanRecord {
  return { traceId, spanId, name: 'op', service: 'api', start, end: start + duration, ...extra }
}

/** The tree as nested span ids, for compact assertions. */
function shape(nodes: SpanNode[]): unknown[] {
  return nodes.map((n) => (n.children.length > 0 ? { [n.spanId]: shape(n.children) } : n.spanId))
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of items) out.push(item)
  return out
}

/**
 * `retentionByDay`: the store's engine keeps spans in day partitions (the PostgreSQL backend, docs/storage.md
 * "Retention"), so retention drops whole UTC days and spans of the cutoff's own day stay until it is out.
 */
export function runTraceStoreSuite(name: string, makeHarness: TraceHarnessFactory, { retentionByDay = false } = {}): void {
  describe(`TraceStore conformance: ${name}`, () => {
    let h: TraceStoreHarness
    beforeEach(async () => {
      h = await makeHarness()
    })
    afterEach(async () => {
      await h.cleanup()
    })

    it('joins spans of one trace sent in different batches by different devices into one tree', async () => {
      await h.ingest('edge-a', 1, [span('t1', 'root', T0, 100, { name: 'GET /orders', service: 'gateway' })])
      await h.ingest('edge-a', 2, [span('t1', 'db', T0 + 10, 20, { parentSpanId: 'root', name: 'SELECT' })])
      await h.seal()
      await h.ingest('edge-b', 1, [
        span('t1', 'calc', T0 + 40, 50, { parentSpanId: 'root', name: 'price', service: 'pricing' }),
        span('t1', 'cache', T0 + 45, 5, { parentSpanId: 'calc', name: 'GET cache', service: 'pricing' }),
      ])
      for (const step of ['head', 'sealed', 'reopened']) {
        if (step === 'sealed') await h.seal()
        if (step === 'reopened') await h.reopen()
        const trace = await h.traces.getTrace('t1')
        expect(trace, step).toMatchObject({
          traceId: 't1', rootName: 'GET /orders', rootService: 'gateway', start: T0, durationMs: 100, spanCount: 4,
          error: false, devices: ['edge-a', 'edge-b'], truncated: false,
        })
        expect(shape(trace!.roots)).toEqual([{ root: ['db', { calc: ['cache'] }] }])
        const calc = trace!.roots[0].children[1]
        expect(calc).toMatchObject({ device: 'edge-b', service: 'pricing', durationMs: 50, parentSpanId: 'root', status: 'unset' })
      }
    })

    it('keeps attributes, events, kind and status, and adds the clock correction to every timestamp', async () => {
      await h.ingest('edge-a', 1, [
        span('t1', 's1', T0, 30, { status: 'error', kind: 'server', attrs: { 'http.status_code': 500, ok: false, list: [1, 'x'] }, events: [{ ts: T0 + 5, name: 'retry', attrs: { n: 1 } }] }),
        span('t1', 's2', T0 + 0.5, 1.25, { parentSpanId: 's1', service: undefined, name: 'fractional' }),
      ], 1_000)
      for (const step of ['head', 'sealed']) {
        if (step === 'sealed') await h.seal()
        const trace = await h.traces.getTrace('t1')
        expect(trace!.roots[0], step).toMatchObject({
          start: T0 + 1_000, end: T0 + 1_030, durationMs: 30, status: 'error', kind: 'server',
          attributes: { 'http.status_code': 500, ok: false, list: [1, 'x'] },
          events: [{ ts: T0 + 1_005, name: 'retry', attrs: { n: 1 } }],
        })
        expect(trace!.roots[0].children[0]).toMatchObject({ spanId: 's2', service: null, kind: null, start: T0 + 1_000.5, end: T0 + 1_001.75, durationMs: 1.25, attributes: {}, events: [] })
        expect(trace!.error).toBe(true)
      }
    })

    it('lists spans whose parent never arrived at the root level, and spans in a parent cycle once each', async () => {
      await h.ingest('edge-a', 1, [
        span('t1', 'root', T0, 100),
        span('t1', 'lost-child', T0 + 20, 10, { parentSpanId: 'never-sent' }),
        span('t1', 'grandchild', T0 + 22, 2, { parentSpanId: 'lost-child' }),
        span('t2', 'a', T0, 10, { parentSpanId: 'b' }),
        span('t2', 'b', T0 + 1, 10, { parentSpanId: 'a' }),
      ])
      await h.seal()
      expect(shape((await h.traces.getTrace('t1'))!.roots)).toEqual(['root', { 'lost-child': ['grandchild'] }])
      expect(shape((await h.traces.getTrace('t2'))!.roots)).toEqual([{ a: ['b'] }])
    })

    it('answers undefined for an unknown trace, and never mixes traces whose ids share a prefix or hold separators', async () => {
      await h.ingest('edge-a', 1, [span('ab', 's1', T0, 1), span('a', 's2', T0, 1), span('a\x00b', 's3', T0, 1), span('a%00b', 's4', T0, 1)])
      for (const step of ['head', 'sealed']) {
        if (step === 'sealed') await h.seal()
        expect(await h.traces.getTrace('nope')).toBeUndefined()
        expect((await h.traces.getTrace('a'))!.roots.map((n) => n.spanId)).toEqual(['s2'])
        expect((await h.traces.getTrace('a\x00b'))!.roots.map((n) => n.spanId)).toEqual(['s3'])
        expect((await h.traces.getTrace('a%00b'))!.roots.map((n) => n.spanId)).toEqual(['s4'])
      }
    })

    it('stores a duplicate batch once, before and after a seal and a restart', async () => {
      const spans = [span('t1', 's1', T0, 10), span('t1', 's2', T0 + 1, 5, { parentSpanId: 's1' })]
      expect(await h.ingest('edge-a', 1, spans)).toMatchObject({ duplicate: false })
      expect(await h.ingest('edge-a', 1, [span('t1', 's3', T0 + 2, 1, { parentSpanId: 's1' })])).toMatchObject({ duplicate: true })
      await h.seal()
      expect(await h.ingest('edge-a', 1, spans)).toMatchObject({ duplicate: true })
      await h.reopen()
      expect(await h.ingest('edge-a', 1, spans)).toMatchObject({ duplicate: true })
      expect((await h.traces.getTrace('t1'))!.spanCount).toBe(2)
      expect((await h.traces.stats(ALL))[0].count).toBe(2)
      expect(await collect(h.traces.exportDevice('edge-a'))).toHaveLength(2)
    })

    it('caps the spans one lookup reads and says so', async () => {
      const capped = await makeHarness({ maxSpansPerTrace: 3 })
      try {
        await capped.ingest('edge-a', 1, [1, 2, 3, 4, 5].map((k) => span('big', `s${k}`, T0 + k, 1)))
        expect(await capped.traces.getTrace('big')).toMatchObject({ spanCount: 3, truncated: true })
        await capped.seal()
        expect(await capped.traces.getTrace('big')).toMatchObject({ spanCount: 3, truncated: true })
      } finally {
        await capped.cleanup()
      }
    })

    it("exports one device's spans and purging erases them from lookups, searches and stats", async () => {
      await h.ingest('edge-a', 1, [span('t1', 'r', T0, 50, { service: 'gw', attrs: { k: 1 } }), span('t2', 'r', T0 + 5, 10, { service: 'gw' })])
      await h.ingest('edge-b', 1, [span('t1', 'c', T0 + 1, 20, { parentSpanId: 'r', service: 'db' })])
      await h.seal()
      await h.ingest('edge-a', 2, [span('t3', 'r', T0 + 9, 1, { service: 'gw' })])
      const exported = (await collect(h.traces.exportDevice('edge-a'))).sort((a, b) => a.start - b.start)
      expect(exported).toEqual([
        { traceId: 't1', spanId: 'r', name: 'op', service: 'gw', start: T0, end: T0 + 50, attrs: { k: 1 }, device: 'edge-a' },
        { traceId: 't2', spanId: 'r', name: 'op', service: 'gw', start: T0 + 5, end: T0 + 15, device: 'edge-a' },
        { traceId: 't3', spanId: 'r', name: 'op', service: 'gw', start: T0 + 9, end: T0 + 10, device: 'edge-a' },
      ] satisfies StoredSpan[])
      expect(await h.traces.purgeDevice('edge-a')).toEqual({ spans: 3 })
      const check = async () => {
        expect(await h.traces.getTrace('t2')).toBeUndefined()
        expect(await h.traces.getTrace('t1')).toMatchObject({ spanCount: 1, devices: ['edge-b'] })
        expect((await h.traces.search(ALL)).map((t) => t.traceId)).toEqual(['t1'])
        expect((await h.traces.stats(ALL)).map((s) => [s.service, s.count])).toEqual([['db', 1]])
        expect(await collect(h.traces.exportDevice('edge-a'))).toEqual([])
      }
      await check()
      await h.reopen()
      await check()
      expect(await h.traces.purgeDevice('edge-a')).toEqual({ spans: 0 })
    })
  })

  describe(`TraceStore conformance: ${name}, search`, () => {
    let h: TraceStoreHarness
    beforeEach(async () => {
      h = await makeHarness()
      // t-old: fast checkout; t-slow: slow checkout with a slow db span; t-err: a failing payment; t-web: another service.
      await h.ingest('edge-a', 1, [
        span('t-old', 'r', T0, 40, { service: 'checkout', name: 'POST /cart' }),
        span('t-slow', 'r', T0 + 1_000, 900, { service: 'checkout', name: 'POST /cart' }),
        span('t-slow', 'q', T0 + 1_010, 800, { service: 'checkout', name: 'SELECT', parentSpanId: 'r' }),
      ])
      await h.seal()
      await h.ingest('edge-b', 1, [
        span('t-err', 'r', T0 + 2_000, 60, { service: 'payments', name: 'charge', status: 'error' }),
        span('t-web', 'r', T0 + 3_000, 15, { service: 'web', name: 'GET /' }),
      ])
    })
    afterEach(async () => {
      await h.cleanup()
    })

    const ids = async (q: Record<string, unknown>) => (await h.traces.search({ ...ALL, ...q })).map((t) => t.traceId)

    it('lists every trace in range, newest first, with its summary', async () => {
      expect(await ids({})).toEqual(['t-web', 't-err', 't-slow', 't-old'])
      const [slow] = await h.traces.search({ ...ALL, service: 'checkout', minDurationMs: 500 })
      expect(slow).toEqual({ traceId: 't-slow', rootName: 'POST /cart', rootService: 'checkout', start: T0 + 1_000, durationMs: 900, spanCount: 2, error: false, devices: ['edge-a'] })
    })

    it('filters by service, operation, minimum duration, errors and time range; limits the count', async () => {
      for (const step of ['mixed', 'sealed', 'reopened']) {
        if (step === 'sealed') await h.seal()
        if (step === 'reopened') await h.reopen()
        expect(await ids({ service: 'checkout' }), step).toEqual(['t-slow', 't-old'])
        expect(await ids({ service: 'checkout', operation: 'SELECT' })).toEqual(['t-slow'])
        expect(await ids({ operation: 'POST /cart' })).toEqual(['t-slow', 't-old'])
        expect(await ids({ minDurationMs: 60 })).toEqual(['t-err', 't-slow'])
        expect(await ids({ minDurationMs: 801 })).toEqual(['t-slow'])
        expect(await ids({ service: 'checkout', operation: 'SELECT', minDurationMs: 801 })).toEqual([])
        expect(await ids({ errorsOnly: true })).toEqual(['t-err'])
        expect(await ids({ service: 'checkout', errorsOnly: true })).toEqual([])
        expect(await ids({ from: T0 + 1_000, to: T0 + 2_000 })).toEqual(['t-err', 't-slow'])
        expect(await ids({ from: T0 + 1_001, to: T0 + 1_999 })).toEqual(['t-slow']) // its SELECT span starts at +1010
        expect(await ids({ limit: 2 })).toEqual(['t-web', 't-err'])
        expect(await ids({ service: 'nobody' })).toEqual([])
      }
    })
  })

  describe(`TraceStore conformance: ${name}, stats`, () => {
    it('counts, error rate and linear-interpolated p50 p95 p99 per service and operation', async () => {
      const h = await makeHarness()
      try {
        // checkout/pay durations 10 20 30 40 100, one error. Ranks (n-1)q: p50 → 2 → 30; p95 → 3.8 → 40 + 0.8·60 = 88;
        // p99 → 3.96 → 40 + 0.96·60 = 97.6.
        const durations = [30, 10, 100, 40, 20]
        await h.ingest('edge-a', 1, durations.map((d, k) => span(`t${k}`, 'r', T0 + k, d, { service: 'checkout', name: 'pay', status: k === 2 ? 'error' : 'ok' })))
        await h.seal()
        // Another operation, another service, a span with no service, and one span outside the range.
        await h.ingest('edge-b', 1, [
          span('u1', 'r', T0, 7, { service: 'checkout', name: 'list' }),
          span('u2', 'r', T0, 3, { service: 'web', name: 'GET /', status: 'error' }),
          span('u3', 'r', T0, 4, { service: undefined, name: 'bare' }),
          span('u4', 'r', T0 + 2 * DAY, 1_000, { service: 'checkout', name: 'pay' }),
        ])
        expect(await h.traces.stats(ALL)).toEqual([
          { service: null, operation: 'bare', count: 1, errors: 0, errorRate: 0, p50: 4, p95: 4, p99: 4 },
          { service: 'checkout', operation: 'list', count: 1, errors: 0, errorRate: 0, p50: 7, p95: 7, p99: 7 },
          { service: 'checkout', operation: 'pay', count: 5, errors: 1, errorRate: 0.2, p50: 30, p95: expect.closeTo(88, 9), p99: expect.closeTo(97.6, 9) },
          { service: 'web', operation: 'GET /', count: 1, errors: 1, errorRate: 1, p50: 3, p95: 3, p99: 3 },
        ])
        expect((await h.traces.stats({ ...ALL, service: 'web' })).map((s) => s.operation)).toEqual(['GET /'])
        expect(await h.traces.stats({ from: T0 + 1, to: T0 + 2 })).toMatchObject([{ operation: 'pay', count: 2, errors: 1, p50: 55 }]) // durations 10 and 100
      } finally {
        await h.cleanup()
      }
    })

    it('refuses a range holding more spans than one request may read', async () => {
      const small = await makeHarness({ maxStatsSpans: 2 })
      try {
        await small.ingest('edge-a', 1, [1, 2, 3].map((k) => span(`t${k}`, 'r', T0 + k, 1)))
        await expect(small.traces.stats(ALL)).rejects.toMatchObject({ code: 'too_many_points', status: 422 })
      } finally {
        await small.cleanup()
      }
    })
  })

  describe(`TraceStore conformance: ${name}, retention`, () => {
    it('prune deletes every span that started before now - retention, and nothing else', async () => {
      const h = await makeHarness({ retentionMs: DAY, pruneBatchSpans: 3 })
      try {
        const now = T0 + 10 * DAY
        // 7 old spans (more than one prune step), a trace straddling the cutoff, and recent ones.
        const old = Array.from({ length: 7 }, (_, k) => span(`old${k}`, 'r', now - 3 * DAY + k, 5, { service: `svc${k % 2}`, name: `op${k % 3}` }))
        await h.ingest('edge-a', 1, old)
        await h.seal()
        await h.ingest('edge-a', 2, [
          span('edge', 'r', now - DAY - 1, 10),
          span('edge', 'c', now - DAY + 1, 10, { parentSpanId: 'r' }),
          span('new', 'r', now - 1_000, 10),
        ])
        // By day: the edge trace's root (1 ms before the cutoff, in the cutoff's day) stays with it.
        const kept = retentionByDay ? 3 : 2
        expect(await h.traces.prune(now)).toEqual({ spans: retentionByDay ? 7 : 8 })
        expect(await h.traces.getTrace('old0')).toBeUndefined()
        expect((await h.traces.getTrace('edge'))!.roots.map((n) => n.spanId)).toEqual(retentionByDay ? ['r'] : ['c'])
        expect((await h.traces.search({ from: 0, to: now, limit: 10 })).map((t) => t.traceId)).toEqual(['new', 'edge'])
        expect((await h.traces.stats({ from: 0, to: now })).map((s) => s.count)).toEqual([kept])
        expect(await collect(h.traces.exportDevice('edge-a'))).toHaveLength(kept)
        expect(await h.traces.prune(now)).toEqual({ spans: 0 })
        await h.reopen()
        expect(await collect(h.traces.exportDevice('edge-a'))).toHaveLength(kept)
      } finally {
        await h.cleanup()
      }
    })
  })
}
