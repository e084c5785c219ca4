import { MetricsBuilder } from '../../../protocol/metrics-builder.js'
import type { Input, InputContext } from '../types.js'
import { addExposition } from './convert.js'
import type { InputPlugin } from '../types.js'
import { scrapeSchema, type ScrapeOptions } from './options.js'
import { parseExposition } from './parse.js'

export type { ScrapeOptions } from './options.js'

/** `scrape:` entries (docs/inputs.md): Prometheus text endpoints read on an interval. */
export const scrapeInputPlugin: InputPlugin<typeof scrapeSchema> = {
  name: 'scrape',
  description: 'Scrapes Prometheus text endpoints on an interval',
  section: 'list',
  options: scrapeSchema,
  create: (options) => new ScrapeInput(options),
}

/** Largest exposition read; a bigger answer is refused rather than held in memory. */
const MAX_BODY_BYTES = 16 * 1024 * 1024

/** Why a scrape failed, as the `reason` label of outpost_agent_scrape_errors_total. */
type FailReason = 'unreachable' | 'timeout' | 'http_status' | 'too_large' | 'parse'

class ScrapeFailure extends Error {
  constructor(
    readonly reason: FailReason,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Scrapes one Prometheus text endpoint every `interval` (docs/inputs.md) and buffers its samples, plus
 * `outpost_scrape_up{url}`: 1 when the scrape worked, 0 when it did not. Scrapes never overlap.
 */
export class ScrapeInput implements Input {
  readonly name: string
  private ctx?: InputContext
  private timer?: NodeJS.Timeout
  private running?: Promise<void>
  private stopped = false

  constructor(private readonly options: ScrapeOptions) {
    this.name = `scrape:${options.url}`
  }

  async start(ctx: InputContext): Promise<void> {
    this.ctx = ctx
    this.running = this.scrapeOnce()
    this.timer = setInterval(() => {
      if (!this.running) this.running = this.scrapeOnce()
    }, this.options.interval)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    await this.running
  }

  /** One scrape: fetch, convert, buffer. Never throws; failures are logged and counted. */
  async scrapeOnce(): Promise<void> {
    const ctx = this.ctx!
    const { url, labels } = this.options
    const now = ctx.clock()
    const builder = new MetricsBuilder()
    let up = 0
    try {
      const parsed = parseExposition(await this.fetchText())
      if (parsed.badValues > 0) ctx.counters.countScrapeError('invalid_sample', parsed.badValues)
      for (const refused of addExposition(builder, parsed, now, labels)) {
        ctx.counters.countScrapeError(refused.reason)
        ctx.log('warning', 'scraped family refused', { url, family: refused.family, error: refused.message })
      }
      up = 1
    } catch (err) {
      const reason = err instanceof ScrapeFailure ? err.reason : 'parse'
      ctx.counters.countScrapeError(reason)
      ctx.log('warning', 'scrape failed', { url, reason, error: (err as Error).message })
    }
    builder.addRaw('outpost_scrape_up', 'gauge', { ...labels, url }, now, up)
    try {
      if (!this.stopped) await ctx.accept({ m: builder.build() })
    } catch (err) {
      ctx.counters.countScrapeError('not_buffered')
      ctx.log('error', 'scraped samples not buffered', { url, error: (err as Error).message })
    } finally {
      this.running = undefined
    }
  }

  private async fetchText(): Promise<string> {
    let res: Response
    try {
      res = await fetch(this.options.url, {
        signal: AbortSignal.timeout(this.options.timeout),
        headers: { accept: 'text/plain;version=0.0.4;q=1,*/*;q=0.1' },
      })
    } catch (err) {
      const name = (err as Error).name
      if (name === 'TimeoutError' || name === 'AbortError') throw new ScrapeFailure('timeout', `no answer within ${this.options.timeout} ms`)
      throw new ScrapeFailure('unreachable', String((err as Error & { cause?: Error }).cause?.message ?? (err as Error).message))
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw new ScrapeFailure('http_status', `HTTP ${res.status}`)
    }
    if (Number(res.headers.get('content-length') ?? 0) > MAX_BODY_BYTES) {
      await res.body?.cancel()
      throw new ScrapeFailure('too_large', `answer larger than ${MAX_BODY_BYTES} bytes`)
    }
    try {
      const text = await res.text()
      if (text.length > MAX_BODY_BYTES) throw new ScrapeFailure('too_large', `answer larger than ${MAX_BODY_BYTES} bytes`)
      return text
    } catch (err) {
      if (err instanceof ScrapeFailure) throw err
      const name = (err as Error).name
      throw new ScrapeFailure(name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable', (err as Error).message)
    }
  }
}
