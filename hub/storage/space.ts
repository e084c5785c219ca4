// A full disk under the hub's database (issue 11): detected from the write that failed, ingest paused without acks
// (devices keep their buffers), and resumed by itself once the disk has room again.
import { readdir, stat, statfs } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * True for an out-of-space error, also when wrapped: LevelDB reports it as code `LEVEL_IO_ERROR` with the message
 * `IO error: <file>: No space left on device` (a log append or a table flush); Node's own file calls as `ENOSPC`.
 */
export function isNoSpace(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.code === 'ENOSPC' || /no space left on device/i.test(String(e.message ?? ''))) return true
    e = e.cause as typeof e
  }
  return false
}

/** Space LevelDB needs beyond twice its write-ahead logs to reopen: replaying a log writes it out as a table. */
const MIN_FREE_BYTES = 1024 * 1024

export interface StorageFull {
  /** Hub time the first write failed for space. */
  since: number
  error: string
}

export interface StorageSpaceOptions {
  /** The database's directory, whose filesystem is watched. */
  dir: string
  /** Closes and opens the database: LevelDB keeps a failed flush as an error on every later write until then. */
  reopen: () => Promise<void>
  clock: () => number
  log: (level: string, msg: string, extra?: Record<string, unknown>) => void
  /** How often to look for room again while full (default 1 s). */
  checkEveryMs?: number
  onChange?: (full: StorageFull | undefined) => void
}

/** What ingest, /readyz and stop ask of the store's health: StorageSpace (LevelDB's disk), StoreOutage (PostgreSQL). */
export interface StorageMonitor {
  readonly full: StorageFull | undefined
  noteError(err: unknown): boolean
  writeAtStop(what: string, write: () => Promise<unknown>): Promise<void>
  stop(): void
}

export class StorageSpace implements StorageMonitor {
  private state: StorageFull | undefined
  private timer?: NodeJS.Timeout
  private checking = false
  /** `episodes`: times the disk filled; `recovered`: times ingest resumed; `reopenFailures`: tries that failed. */
  readonly counters = { episodes: 0, recovered: 0, reopenFailures: 0 }

  constructor(private readonly options: StorageSpaceOptions) {}

  /** Set while writes fail for space, from the first failure until the database has been reopened with room. */
  get full(): StorageFull | undefined {
    return this.state
  }

  /** Tells the monitor about a failed write; true when it failed for space (the caller must not ack). */
  noteError(err: unknown): boolean {
    if (!isNoSpace(err)) return false
    if (this.state) return true
    const error = err instanceof Error ? err.message : String(err)
    this.state = { since: this.options.clock(), error }
    this.counters.episodes++
    this.options.log('error', 'storage full: ingest paused, nothing acked; devices keep their data until space returns', { dir: this.options.dir, error })
    this.options.onChange?.(this.state)
    this.timer = setInterval(() => void this.check(), this.options.checkEveryMs ?? 1_000)
    this.timer.unref()
    return true
  }

  /** Runs a write made at stop: on a full disk it fails, is logged, and the hub still stops (what it held is
   *  rebuilt or sent again). Other failures are thrown. */
  async writeAtStop(what: string, write: () => Promise<unknown>): Promise<void> {
    try {
      await write()
    } catch (err) {
      if (!this.full && !isNoSpace(err)) throw err
      this.options.log('warning', 'write at stop failed: storage full', { write: what, error: (err as Error).message })
    }
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** Reopens the database once the filesystem has room for LevelDB to replay its logs; else waits for the next tick. */
  private async check(): Promise<void> {
    if (this.checking || !this.state) return
    this.checking = true
    try {
      const fs = await statfs(this.options.dir)
      const free = fs.bavail * fs.bsize
      const need = 2 * (await logBytes(this.options.dir)) + MIN_FREE_BYTES
      if (free < need) return
      await this.options.reopen()
      const downMs = this.options.clock() - this.state.since
      this.state = undefined
      this.counters.recovered++
      this.stop()
      this.options.log('info', 'storage has room again: database reopened, ingest resumed', { downMs, freeBytes: free })
      this.options.onChange?.(undefined)
    } catch (err) {
      this.counters.reopenFailures++
      this.options.log('warning', 'storage still full: database not reopened yet', { error: (err as Error).message })
    } finally {
      this.checking = false
    }
  }
}

/** Bytes in LevelDB's write-ahead logs (`*.log`), which reopening turns into a table. */
async function logBytes(dir: string): Promise<number> {
  let total = 0
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (name.endsWith('.log') && name !== 'LOG') total += await stat(join(dir, name)).then((s) => s.size, () => 0)
  }
  return total
}
