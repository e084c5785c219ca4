// `outpost/client`: counters, gauges, histograms and timers for an application, sent in batches to the local agent's
// `POST /v1/ingest` (docs/agent.md, "Instrumenting an application"). No dependency beyond Node; never throws into
// the application: every failure is counted in `stats`.
import { Transport, type ClientStats, type IngestMetric } from './transport.js'

export type { ClientStats, IngestMetric } from './transport.js'
export type Labels = Record<string, string>

export interface ClientOptions {
  /** The agent's listener (default http://127.0.0.1:4318). */
  url?: string
  /** How often samples are sent (default 10 s). */
  flushIntervalMs?: number
  /** Samples held while the agent cannot be reached; past it the oldest are dropped and counted (default 10,000). */
  maxQueue?: number
  /** Labels added to every series (an application name, say). */
  labels?: Labels
  timeoutMs?: number
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch
}

/** Default histogram buckets, in seconds (Prometheus client defaults). */
export const DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

export interface Counter { inc(by?: number): void }
export interface Gauge { set(value: number): void; inc(by?: number): void; dec(by?: number): void }
export interface Histogram { observe(value: number): void }

type Method = (this: unknown, ...args: any[]) => any

export class OutpostClient {
  private readonly transport: Transport
  private readonly timer: NodeJS.Timeout
  private readonly counters = new Map<string, { name: string; labels: Labels; total: number }>()
  private readonly gauges = new Map<string, { name: string; labels: Labels; value: number }>()
  private readonly histograms = new Map<string, { name: string; labels: Labels; buckets: number[]; counts: number[]; sum: number; count: number }>()
  private readonly dirty = new Set<string>()
  private readonly labels: Labels

  constructor(options: ClientOptions = {}) {
    this.labels = options.labels ?? {}
    this.transport = new Transport({
      url: (options.url ?? 'http://127.0.0.1:4318').replace(/\/+$/, ''),
      maxQueue: options.maxQueue ?? 10_000,
      timeoutMs: options.timeoutMs ?? 5_000,
      fetch: options.fetch ?? fetch,
    })
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 10_000)
    this.timer.unref() // the application's lifetime is its own
  }

  get stats(): Readonly<ClientStats> {
    return this.transport.stats
  }

  /** A monotonically increasing total (sent as its running total, as Prometheus counters are). */
  counter(name: string, labels: Labels = {}): Counter {
    return {
      inc: (by = 1) =>
        this.guard(() => {
          if (!(by >= 0)) throw new Error(`counter ${name}: increment must be >= 0, got ${by}`)
          const k = this.key('c', name, labels)
          const c = this.counters.get(k) ?? { name, labels: this.with(labels), total: 0 }
          c.total += by
          this.counters.set(k, c)
          this.dirty.add(k)
        }),
    }
  }

  gauge(name: string, labels: Labels = {}): Gauge {
    const update = (f: (v: number) => number) =>
      this.guard(() => {
        const k = this.key('g', name, labels)
        const g = this.gauges.get(k) ?? { name, labels: this.with(labels), value: 0 }
        const value = f(g.value)
        if (!Number.isFinite(value)) throw new Error(`gauge ${name}: not a finite number: ${value}`)
        g.value = value
        this.gauges.set(k, g)
        this.dirty.add(k)
      })
    return { set: (v) => update(() => v), inc: (by = 1) => update((v) => v + by), dec: (by = 1) => update((v) => v - by) }
  }

  histogram(name: string, labels: Labels = {}, buckets: number[] = DEFAULT_BUCKETS): Histogram {
    return {
      observe: (value) =>
        this.guard(() => {
          if (!Number.isFinite(value)) throw new Error(`histogram ${name}: not a finite number: ${value}`)
          const k = this.key('h', name, labels)
          const h = this.histograms.get(k) ?? { name, labels: this.with(labels), buckets: [...buckets].sort((a, b) => a - b), counts: buckets.map(() => 0), sum: 0, count: 0 }
          h.buckets.forEach((le, i) => value <= le && h.counts[i]++)
          h.sum += value
          h.count++
          this.histograms.set(k, h)
          this.dirty.add(k)
        }),
    }
  }

  /**
   * `timed(name, fn)` runs `fn` and records its duration in seconds in histogram `name` (label `outcome`: ok or
   * error); a promise is timed until it settles. Its result or error is passed through untouched.
   * `@client.timed()` (a method decorator) does the same for every call of a method: `method_duration_seconds` with
   * label `method` = Class.method, unless `name` is given.
   */
  timed<T>(name: string, fn: () => T, labels?: Labels): T
  timed(options?: { name?: string; labels?: Labels }): <M extends Method>(method: M, context: ClassMethodDecoratorContext) => M
  timed<T>(a?: string | { name?: string; labels?: Labels }, fn?: () => T, labels: Labels = {}): unknown {
    if (typeof a === 'string' && typeof fn === 'function') return this.time(a, labels, fn)
    const o = typeof a === 'object' ? a : {}
    return <M extends Method>(method: M, context: ClassMethodDecoratorContext): M => {
      const client = this
      return function (this: unknown, ...args: unknown[]) {
        const { name, labels } = client.methodSeries(o, 'method_duration_seconds', this, context)
        return client.time(name, labels, () => method.apply(this, args))
      } as M
    }
  }

  /** `@client.counted()`: counts calls of a method in `method_calls_total` (labels `method`, `outcome`). */
  counted(o: { name?: string; labels?: Labels } = {}) {
    return <M extends Method>(method: M, context: ClassMethodDecoratorContext): M => {
      const client = this
      return function (this: unknown, ...args: unknown[]) {
        const { name, labels } = client.methodSeries(o, 'method_calls_total', this, context)
        const count = (outcome: string) => client.counter(name, { ...labels, outcome }).inc()
        let result: unknown
        try {
          result = method.apply(this, args)
        } catch (err) {
          count('error')
          throw err
        }
        if (result instanceof Promise) return result.then((v) => (count('ok'), v), (err) => (count('error'), Promise.reject(err)))
        count('ok')
        return result
      } as M
    }
  }

  /** Sends every changed series now. Never rejects. */
  async flush(): Promise<void> {
    this.guard(() => this.transport.push(this.drain()))
    await this.transport.flush()
  }

  /** Flushes and stops the timer. */
  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.flush()
  }

  private time<T>(name: string, labels: Labels, fn: () => T): T {
    const started = performance.now()
    const record = (outcome: string) => this.histogram(name, { ...labels, outcome }).observe((performance.now() - started) / 1000)
    let result: T
    try {
      result = fn()
    } catch (err) {
      record('error')
      throw err
    }
    if (result instanceof Promise) {
      return result.then((v) => (record('ok'), v), (err) => (record('error'), Promise.reject(err))) as T
    }
    record('ok')
    return result
  }

  private methodSeries(o: { name?: string; labels?: Labels }, fallback: string, self: unknown, context: ClassMethodDecoratorContext) {
    const owner = typeof self === 'function' ? self.name : (self as { constructor?: { name?: string } } | null)?.constructor?.name
    return { name: o.name ?? fallback, labels: o.name ? (o.labels ?? {}) : { ...o.labels, method: `${owner ?? 'anonymous'}.${String(context.name)}` } }
  }

  /** The changed series as ingest samples, histograms as Prometheus exposes them (`_bucket{le}`, `_sum`, `_count`). */
  private drain(): IngestMetric[] {
    const ts = Date.now()
    const out: IngestMetric[] = []
    for (const k of this.dirty) {
      const c = this.counters.get(k)
      if (c) out.push({ name: c.name, type: 'counter', labels: c.labels, ts, value: c.total })
      const g = this.gauges.get(k)
      if (g) out.push({ name: g.name, type: 'gauge', labels: g.labels, ts, value: g.value })
      const h = this.histograms.get(k)
      if (h) {
        h.buckets.forEach((le, i) => out.push({ name: `${h.name}_bucket`, type: 'histogram', labels: { ...h.labels, le: String(le) }, ts, value: h.counts[i] }))
        out.push({ name: `${h.name}_bucket`, type: 'histogram', labels: { ...h.labels, le: '+Inf' }, ts, value: h.count })
        out.push({ name: `${h.name}_sum`, type: 'histogram', labels: h.labels, ts, value: h.sum })
        out.push({ name: `${h.name}_count`, type: 'histogram', labels: h.labels, ts, value: h.count })
      }
    }
    this.dirty.clear()
    return out
  }

  private key(kind: string, name: string, labels: Labels): string {
    if (!NAME.test(name)) throw new Error(`metric name ${JSON.stringify(name)} does not match [a-zA-Z_:][a-zA-Z0-9_:]*`)
    return `${kind}\u0000${name}\u0000${JSON.stringify(Object.entries(labels).sort())}`
  }

  private with(labels: Labels): Labels {
    return { ...this.labels, ...labels }
  }

  /** Instrumentation must never break the application: a mistake is counted, never thrown. */
  private guard(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      this.transport.stats.misuse++
      this.transport.stats.lastError = err instanceof Error ? err.message : String(err)
    }
  }
}

/** A client for the local agent; see ClientOptions. */
export function createClient(options?: ClientOptions): OutpostClient {
  return new OutpostClient(options)
}
