// What ingest, /readyz, the hub's alert conditions and stop ask of the store's health (issue 11): one watcher for
// both backends. A write that fails for the backend's kind of trouble (a full disk under LevelDB, an unreachable
// PostgreSQL) marks the store down: ingest stores and acks nothing, the devices keep their buffers; a check every
// second brings ingest back by itself. space.ts (LevelDB) and postgres/outage.ts say what the trouble is and how to
// get out of it.

export interface StorageFull {
  /** Hub time the first write failed. */
  since: number
  error: string
}

export interface StorageMonitorOptions {
  clock: () => number
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
  /** How often to look for a way out while down (default 1 s). */
  checkEveryMs?: number
  onChange?: (full: StorageFull | undefined) => void
}

/** The log lines of one kind of trouble. */
export interface MonitorWording {
  /** Logged when the first write fails. */
  down: string
  /** Logged when a write made at stop fails with it. */
  atStop: string
  /** Logged when the store takes writes again. */
  back: string
  /** Logged (warning) when a try to get out failed; unlogged without. */
  stillDown?: string
}

export abstract class StorageMonitor {
  /** `episodes`: times the store went down; `recovered`: times ingest resumed; `reopenFailures`: tries that failed. */
  readonly counters = { episodes: 0, recovered: 0, reopenFailures: 0 }
  private state: StorageFull | undefined
  private timer?: NodeJS.Timeout
  private checking = false
  private readonly listeners: Array<(full: StorageFull | undefined) => void> = []

  constructor(
    protected readonly options: StorageMonitorOptions,
    private readonly wording: MonitorWording,
  ) {
    if (options.onChange) this.listeners.push(options.onChange)
  }

  /** True for an error (or one it wraps) of this monitor's kind of trouble. */
  protected abstract isTrouble(err: unknown): boolean

  /** The error as the condition shows it. */
  protected describe(err: unknown): string {
    return err instanceof Error ? err.message : String(err)
  }

  /**
   * One look for a way out while down: resolves with what to log once the store takes writes again, or undefined to
   * wait for the next check; throws when a try failed (counted, logged).
   */
  protected abstract recover(): Promise<Record<string, unknown> | undefined>

  /** Set while writes fail, from the first failure until the store takes writes again. */
  get full(): StorageFull | undefined {
    return this.state
  }

  /** Calls `listener` whenever the store goes down or comes back (the alert notices, hub/alerts/condition-notices.ts). */
  subscribe(listener: (full: StorageFull | undefined) => void): void {
    this.listeners.push(listener)
  }

  /** Tells the monitor about a failed write; true when it failed for this kind of trouble (the caller must not ack). */
  noteError(err: unknown): boolean {
    if (!this.isTrouble(err)) return false
    if (this.state) return true
    const error = this.describe(err)
    this.state = { since: this.options.clock(), error }
    this.counters.episodes++
    this.options.log('error', this.wording.down, { ...this.logContext(), error })
    this.changed()
    this.timer = setInterval(() => void this.check(), this.options.checkEveryMs ?? 1_000)
    this.timer.unref()
    return true
  }

  /** Runs a write made at stop: failing for this trouble it is logged and the hub still stops (what it held is
   *  rebuilt or sent again). Other failures are thrown. */
  async writeAtStop(what: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write()
    } catch (err) {
      if (!this.full && !this.isTrouble(err)) throw err
      this.options.log('warning', this.wording.atStop, { write: what, error: (err as Error).message })
    }
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Extra fields of the log lines (the watched directory). */
  protected logContext(): Record<string, unknown> {
    return {}
  }

  private changed(): void {
    for (const listener of this.listeners) {
      try {
        listener(this.state)
      } catch (err) {
        this.options.log('error', 'storage monitor listener failed', { error: String(err) })
      }
    }
  }

  private async check(): Promise<void> {
    if (this.checking || !this.state) return
    this.checking = true
    try {
      const extra = await this.recover()
      if (!extra) return
      const downMs = this.options.clock() - this.state.since
      this.state = undefined
      this.counters.recovered++
      this.stop()
      this.options.log('info', this.wording.back, { downMs, ...extra })
      this.changed()
    } catch (err) {
      this.counters.reopenFailures++
      if (this.wording.stillDown) this.options.log('warning', this.wording.stillDown, { error: (err as Error).message })
    } finally {
      this.checking = false
    }
  }
}
