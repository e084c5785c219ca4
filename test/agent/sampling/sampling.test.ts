import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { SpanRecord } from '../../../protocol/batch.js'
import { parseSamplingOptions } from '../../../agent/sampling/options.js'
import { TraceSampler, traceRatio } from '../../../agent/sampling/sampler.js'
import { OptionsError } from '../../../kit/options.js'
import { tempDir } from '../../helpers/temp.js'
import { agentMetric, bufferedBodies, postJson, startIngestAgent } from '../inputs/ingest/ingest-helpers.js'

// Issue 19: head sampling (probability from the trace id, rate per service) and tail rules (errors, slow traces),
// with every decision counted.
const hex = (n: number, width: number) => n.toString(16).padStart(width, '0')
/** A trace id whose ratio (last 8 hex digits / 2^32) is `ratio`. */
const traceWithRatio = (ratio: number, k = 0) => hex(k, 24) + hex(Math.floor(ratio * 0x1_0000_0000), 8)
const span = (traceId: string, spanId: number, extra: Partial<SpanRecord> = {}): SpanRecord => ({
  traceId,
  spanId: hex(spanId, 16),
  name: 'op',
  service: 'checkout',
  start: 1_000,
  end: 1_010,
  ...extra,
})

describe('TraceSampler decisions', () => {
  let now = 0
  const clock = () => now

  it('keeps a trace whose id falls under the probability, for every span of it', () => {
    const s = new TraceSampler(parseSamplingOptions({ head: { probability: 0.25 }, tail: { keepErrors: false } }), clock)
    expect(traceRatio(traceWithRatio(0.1))).toBeCloseTo(0.1, 6)
    const kept = s.filter([span(traceWithRatio(0.1), 1), span(traceWithRatio(0.9), 2), span(traceWithRatio(0.1), 3)])
    expect(kept.map((x) => x.spanId)).toEqual([hex(1, 16), hex(3, 16)])
    now += 20_000
    s.expire()
    expect(s.counters.spans).toMatchObject({ kept: 2, dropped_probability: 1 })
  })

  it('limits new traces per second per service; other services have their own budget', () => {
    const s = new TraceSampler(parseSamplingOptions({ head: { ratePerSecond: 2 }, services: { billing: { probability: 1, ratePerSecond: 0 } } }), clock)
    const spans = Array.from({ length: 5 }, (_, k) => span(traceWithRatio(0.5, k), k))
    const billing = Array.from({ length: 5 }, (_, k) => span(traceWithRatio(0.5, 100 + k), 100 + k, { service: 'billing' }))
    expect(s.filter([...spans, ...billing])).toHaveLength(2 + 5)
    now += 1_000 // one more second: two more traces
    expect(s.filter(Array.from({ length: 5 }, (_, k) => span(traceWithRatio(0.5, 10 + k), 10 + k)))).toHaveLength(2)
    now += 60_000
    s.expire()
    expect(s.counters.spans).toMatchObject({ kept: 9, dropped_rate: 6 })
  })

  it('tail rules keep every error trace and every slow one, with the spans held before the deciding span', () => {
    const s = new TraceSampler(parseSamplingOptions({ head: { probability: 0 }, tail: { slowerThan: '250ms', wait: '5s' } }), clock)
    const errTrace = traceWithRatio(0.5, 1)
    const slowTrace = traceWithRatio(0.5, 2)
    const plain = traceWithRatio(0.5, 3)
    expect(s.filter([span(errTrace, 1), span(slowTrace, 2), span(plain, 3)])).toEqual([])
    expect(s.heldSpans()).toBe(3)
    const rescued = s.filter([span(errTrace, 4, { status: 'error' })])
    expect(rescued.map((x) => x.spanId)).toEqual([hex(1, 16), hex(4, 16)])
    expect(s.filter([span(slowTrace, 5, { start: 0, end: 300 })]).map((x) => x.spanId)).toEqual([hex(2, 16), hex(5, 16)])
    // Later spans of a rescued trace are kept too.
    expect(s.filter([span(errTrace, 6)])).toHaveLength(1)
    now += 6_000
    s.expire()
    expect(s.heldSpans()).toBe(0)
    expect(s.counters.spans).toMatchObject({ kept: 0, kept_error: 3, kept_slow: 2, dropped_probability: 1 })
  })

  it('holds at most maxTraces dropped traces; the oldest are let go and counted', () => {
    const s = new TraceSampler(parseSamplingOptions({ head: { probability: 0 }, tail: { maxTraces: 2 } }), clock)
    s.filter([1, 2, 3].map((k) => span(traceWithRatio(0.5, k), k)))
    expect(s.heldSpans()).toBe(2)
    expect(s.counters.spans.dropped_probability).toBe(1)
  })

  it('bad options name the key', () => {
    expect(() => parseSamplingOptions({ head: { probability: 2 } })).toThrow(OptionsError)
    expect(() => parseSamplingOptions({ head: { probability: 2 } })).toThrow(/^sampling\.head\.probability: /)
    expect(() => parseSamplingOptions({ tail: { slowerThan: 'slow' } })).toThrow(/^sampling\.tail\.slowerThan/)
    expect(() => parseSamplingOptions({ heads: {} })).toThrow(/^sampling\.heads: unknown option/)
  })
})

describe('sampling in a running agent', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  beforeEach(async () => {
    dir = await tempDir()
  })
  afterEach(() => dir.cleanup())

  it('spans posted to the listener are sampled before buffering; decisions are on /metrics', async () => {
    const sampler = new TraceSampler(parseSamplingOptions({ head: { probability: 0.5 }, tail: { slowerThan: '1s' } }))
    const { agent, url } = await startIngestAgent(dir.dir, 'mqtt://127.0.0.1:1', { sampler })
    try {
      const kept = traceWithRatio(0.2, 1)
      const dropped = traceWithRatio(0.8, 2)
      const slow = traceWithRatio(0.8, 3)
      const spans = [span(kept, 1), span(dropped, 2), span(slow, 3), span(slow, 4, { start: 0, end: 5_000 })]
      expect((await postJson(url, { spans })).status).toBe(200)
      const stored = (await bufferedBodies(agent)).flatMap((b) => b.s ?? []).map((x) => x.spanId)
      expect(stored).toEqual([hex(1, 16), hex(3, 16), hex(4, 16)])
      expect(await agentMetric(url, 'outpost_agent_spans_sampled_total{decision="kept"}')).toBe(1)
      expect(await agentMetric(url, 'outpost_agent_spans_sampled_total{decision="kept_slow"}')).toBe(2)
      // The dropped span is held for the tail wait (10 s by default) before it counts as dropped.
      expect(sampler.heldSpans()).toBe(1)
    } finally {
      await agent.stop()
    }
  })
})
