// Trace sampling at the agent (docs/agent.md): a head decision per trace (probability from the trace id, then a
// per-service rate limit) and tail rules that keep every error trace and every slow one. Spans the head drops are
// held for `tail.wait`: if a later span of their trace is an error or slow, they are kept after all. Nothing the
// sampler keeps is held back, so the listener's 200 still means "durably buffered" for every kept span.
import type { SpanRecord } from '../../protocol/batch.js'
import type { SamplingOptions } from './options.js'

export type SamplingDecision = 'kept' | 'kept_error' | 'kept_slow' | 'dropped_probability' | 'dropped_rate'

interface TraceState {
  keep: boolean
  reason: SamplingDecision
  /** Spans of a dropped trace held for the tail rules. */
  held: SpanRecord[]
  until: number
}

/** Spans counted by decision: kept by the head, rescued by a tail rule, or dropped (what `drop` finally let go). */
export class SamplerCounters {
  readonly spans: Record<SamplingDecision, number> = { kept: 0, kept_error: 0, kept_slow: 0, dropped_probability: 0, dropped_rate: 0 }
}

export class TraceSampler {
  readonly counters = new SamplerCounters()
  private readonly traces = new Map<string, TraceState>()
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private options: SamplingOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  /** A new configuration (remote or restart); decisions already made stand. */
  configure(options: SamplingOptions): void {
    this.options = options
  }

  /** True when sampling would keep everything (no work to do). */
  get keepsAll(): boolean {
    const heads = [this.options.head, ...Object.values(this.options.services)]
    return heads.every((h) => h.probability >= 1 && h.ratePerSecond === 0)
  }

  /**
   * The spans to keep now: those of kept traces, and the held spans of any trace a tail rule rescues with this call.
   * Spans dropped for now are held (bounded) and counted as dropped once their wait ends.
   */
  filter(spans: SpanRecord[]): SpanRecord[] {
    this.expire()
    if (this.keepsAll && this.traces.size === 0) {
      this.counters.spans.kept += spans.length
      return spans
    }
    const now = this.clock()
    const out: SpanRecord[] = []
    for (const span of spans) {
      let state = this.traces.get(span.traceId)
      if (!state) {
        state = { ...this.headDecision(span, now), held: [], until: now + this.options.tail.wait }
        this.traces.set(span.traceId, state)
        this.bound()
      }
      if (!state.keep) {
        const rescue = this.tailRule(span)
        if (rescue) {
          state.keep = true
          state.reason = rescue
          this.counters.spans[rescue] += state.held.length
          out.push(...state.held)
          state.held = []
        }
      }
      state.until = now + this.options.tail.wait
      if (state.keep) {
        this.counters.spans[state.reason]++
        out.push(span)
      } else state.held.push(span)
    }
    return out
  }

  /** Spans held for a tail decision now (tests and /metrics). */
  heldSpans(): number {
    let n = 0
    for (const t of this.traces.values()) n += t.held.length
    return n
  }

  private headDecision(span: SpanRecord, now: number): { keep: boolean; reason: SamplingDecision } {
    const head = this.options.services[span.service ?? ''] ?? this.options.head
    if (traceRatio(span.traceId) >= head.probability) return { keep: false, reason: 'dropped_probability' }
    if (head.ratePerSecond > 0 && !this.take(span.service ?? '', head.ratePerSecond, now)) return { keep: false, reason: 'dropped_rate' }
    return { keep: true, reason: 'kept' }
  }

  private tailRule(span: SpanRecord): SamplingDecision | undefined {
    const tail = this.options.tail
    if (tail.keepErrors && span.status === 'error') return 'kept_error'
    if (tail.slowerThan > 0 && span.end - span.start >= tail.slowerThan) return 'kept_slow'
    return undefined
  }

  /** Token bucket per service, one token per new trace, `rate` per second, burst of one second's worth. */
  private take(service: string, rate: number, now: number): boolean {
    const b = this.buckets.get(service) ?? { tokens: rate, at: now }
    b.tokens = Math.min(rate, b.tokens + ((now - b.at) / 1000) * rate)
    b.at = now
    this.buckets.set(service, b)
    if (b.tokens < 1) return false
    b.tokens -= 1
    return true
  }

  /** Lets go of held spans whose wait has ended (also done on every filter; the agent calls it each tick). */
  expire(): void {
    const now = this.clock()
    for (const [id, t] of this.traces) {
      if (t.until > now) continue
      this.drop(t)
      this.traces.delete(id)
    }
  }

  private bound(): void {
    // Map keeps insertion order: the oldest traces go first.
    while (this.traces.size > this.options.tail.maxTraces) {
      const [id, t] = this.traces.entries().next().value!
      this.drop(t)
      this.traces.delete(id)
    }
  }

  private drop(t: TraceState): void {
    if (!t.keep) this.counters.spans[t.reason] += t.held.length
  }
}

/** The trace id's last 8 hex digits as a fraction of 2^32: uniform for random ids, the same on every agent. */
export function traceRatio(traceId: string): number {
  const tail = parseInt(traceId.slice(-8), 16)
  return Number.isFinite(tail) ? tail / 0x1_0000_0000 : 0
}
