/** One sample as `POST /v1/ingest` takes it (docs/ingest.md). */
export interface IngestMetric {
  name: string
  type: 'counter' | 'gauge' | 'histogram'
  labels: Record<string, string>
  ts: number
  value: number
  unit?: string
}

export interface ClientStats {
  /** Samples the agent accepted (2xx). */
  sent: number
  /** Requests that failed (network, timeout, non-2xx); their samples are kept for the next flush while room lasts. */
  errors: number
  /** Samples given up: the queue was full, or the agent refused them as invalid (4xx). */
  dropped: number
  /** Calls into the client that threw inside it (bad names, bad values); the application never sees them. */
  misuse: number
  lastError?: string
}

export interface TransportOptions {
  url: string
  maxQueue: number
  timeoutMs: number
  fetch: typeof fetch
}

/** Queues samples and POSTs them in batches; never throws, counts every failure (OpenTelemetry JS habit). */
export class Transport {
  readonly stats: ClientStats = { sent: 0, errors: 0, dropped: 0, misuse: 0 }
  private queue: IngestMetric[] = []
  private sending?: Promise<void>

  constructor(private readonly options: TransportOptions) {}

  get queued(): number {
    return this.queue.length
  }

  push(samples: IngestMetric[]): void {
    this.queue.push(...samples)
    const over = this.queue.length - this.options.maxQueue
    if (over > 0) {
      this.queue.splice(0, over)
      this.stats.dropped += over
    }
  }

  /** Sends what is queued; resolves when that request ends, whatever its outcome. */
  flush(): Promise<void> {
    this.sending ??= this.send().finally(() => (this.sending = undefined))
    return this.sending
  }

  private async send(): Promise<void> {
    if (this.queue.length === 0) return
    const batch = this.queue
    this.queue = []
    try {
      const res = await this.options.fetch(`${this.options.url}/v1/ingest`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ metrics: batch }),
        signal: AbortSignal.timeout(this.options.timeoutMs),
      })
      const text = await res.text().catch(() => '')
      if (res.ok) {
        this.stats.sent += batch.length
        return
      }
      this.stats.errors++
      this.stats.lastError = `agent answered ${res.status}: ${text.slice(0, 200)}`
      // 4xx: these samples will never be taken (a bad name); 5xx and 503 (buffer full): try again later.
      if (res.status >= 400 && res.status < 500) this.stats.dropped += batch.length
      else this.requeue(batch)
    } catch (err) {
      this.stats.errors++
      this.stats.lastError = err instanceof Error ? err.message : String(err)
      this.requeue(batch)
    }
  }

  private requeue(batch: IngestMetric[]): void {
    this.queue = [...batch, ...this.queue]
    const over = this.queue.length - this.options.maxQueue
    if (over > 0) {
      this.queue.splice(0, over)
      this.stats.dropped += over
    }
  }
}
