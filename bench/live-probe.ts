import { percentile, sleep } from './processes.js'

// End-to-end latency of live data: one sample every `everyMs` posted to the agent's `POST /v1/ingest`, and the hub's
// query API polled until each one is readable. Latency is from the POST's 200 to the first query answer that holds
// the sample, so it includes the poll period (20 ms) and the query's own time.

export interface LiveProbeOptions {
  /** The agent's ingest URL, `http://127.0.0.1:<port>/v1/ingest`. */
  ingest: string
  /** The hub's API base URL. */
  api: string
  token: string
  device: string
  /** Label value keeping this probe's samples apart from other runs' (`phase`). */
  phase: string
  everyMs?: number
  pollMs?: number
}

export interface LiveLatency {
  sent: number
  /** Probes the hub never showed within the settle time. */
  missing: number
  p50Ms: number
  p95Ms: number
  maxMs: number
  /** How long the agent took to answer the probe's POST (it is busy during a drain too). */
  postP95Ms: number
}

interface Probe {
  postedAt?: number
  okAt?: number
  seenAt?: number
}

export const LIVE_METRIC = 'live_probe'

/**
 * Probe k carries value k at time `base + k × everyMs`, so with `step = everyMs` every probe owns one query bucket
 * and `agg=last` returns exactly its value.
 */
export class LiveProbe {
  private readonly probes: Probe[] = []
  private readonly everyMs: number
  private readonly pollMs: number
  private readonly base: number
  private sending = false
  private polling = false
  private sender?: Promise<void>
  private poller?: Promise<void>

  constructor(private readonly o: LiveProbeOptions) {
    this.everyMs = o.everyMs ?? 100
    this.pollMs = o.pollMs ?? 20
    this.base = Math.ceil(Date.now() / this.everyMs) * this.everyMs
  }

  start(): void {
    this.sending = true
    this.polling = true
    this.sender = this.send()
    this.poller = this.poll()
  }

  /** Stops sending, waits (at most `settleMs`) for the probes already sent to show up, and returns the figures. */
  async stop(settleMs = 10_000): Promise<LiveLatency> {
    this.sending = false
    await this.sender
    const deadline = Date.now() + settleMs
    while (Date.now() < deadline && this.probes.some((p) => p.okAt !== undefined && p.seenAt === undefined)) await sleep(this.pollMs)
    this.polling = false
    await this.poller
    return this.figures()
  }

  private async send(): Promise<void> {
    const started = performance.now()
    for (let k = 0; this.sending; k++) {
      await sleep(Math.max(0, started + k * this.everyMs - performance.now()))
      if (!this.sending) break
      const probe: Probe = { postedAt: performance.now() }
      this.probes[k] = probe
      const metrics = [{ name: LIVE_METRIC, type: 'gauge', labels: { phase: this.o.phase }, ts: this.base + k * this.everyMs, value: k }]
      const ok = await fetch(this.o.ingest, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metrics }) }).then(
        (r) => r.ok,
        () => false,
      )
      if (ok) probe.okAt = performance.now()
    }
  }

  private async poll(): Promise<void> {
    while (this.polling) {
      const oldest = this.probes.findIndex((p) => p.postedAt !== undefined && p.seenAt === undefined)
      if (oldest >= 0) await this.query(oldest).catch(() => {})
      await sleep(this.pollMs)
    }
  }

  private async query(oldest: number): Promise<void> {
    const from = this.base + oldest * this.everyMs
    const to = this.base + this.probes.length * this.everyMs
    const params = new URLSearchParams({
      name: LIVE_METRIC, device: this.o.device, 'label.phase': this.o.phase,
      from: String(from), to: String(to), step: String(this.everyMs), agg: 'last',
    })
    const res = await fetch(`${this.o.api}/v1/metrics/query?${params}`, { headers: { authorization: `Bearer ${this.o.token}` } })
    if (!res.ok) return
    const body = (await res.json()) as { series?: Array<{ points: Array<[number, number]> }> }
    const now = performance.now()
    for (const [bucket, value] of body.series?.[0]?.points ?? []) {
      const k = (bucket - this.base) / this.everyMs
      const probe = this.probes[k]
      if (probe && value === k && probe.seenAt === undefined) probe.seenAt = now
    }
  }

  private figures(): LiveLatency {
    const posted = this.probes.filter((p) => p.okAt !== undefined)
    // A probe can show up in an answer handled before its own POST's answer: that is zero latency, not negative.
    const latencies = posted.filter((p) => p.seenAt !== undefined).map((p) => Math.max(0, p.seenAt! - p.okAt!)).sort((a, b) => a - b)
    const posts = posted.map((p) => p.okAt! - p.postedAt!).sort((a, b) => a - b)
    return {
      sent: posted.length,
      missing: posted.length - latencies.length,
      p50Ms: percentile(latencies, 0.5),
      p95Ms: percentile(latencies, 0.95),
      maxMs: latencies.length ? latencies[latencies.length - 1] : NaN,
      postP95Ms: percentile(posts, 0.95),
    }
  }
}
