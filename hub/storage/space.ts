// A full disk under the hub's database (issue 11): detected from the write that failed, ingest paused without acks
// (devices keep their buffers), and resumed by itself once the disk has room again.
import { readdir, stat, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { StorageMonitor, type StorageMonitorOptions } from './monitor.js'

export { StorageMonitor, type StorageFull } from './monitor.js'

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

export interface StorageSpaceOptions extends StorageMonitorOptions {
  /** The database's directory, whose filesystem is watched. */
  dir: string
  /** Closes and opens the database: LevelDB keeps a failed flush as an error on every later write until then. */
  reopen: () => Promise<void>
}

/** LevelDB's disk: down while writes fail for space; back once the database reopened with room to replay its logs. */
export class StorageSpace extends StorageMonitor {
  constructor(private readonly space: StorageSpaceOptions) {
    super(space, {
      down: 'storage full: ingest paused, nothing acked; devices keep their data until space returns',
      atStop: 'write at stop failed: storage full',
      back: 'storage has room again: database reopened, ingest resumed',
      stillDown: 'storage still full: database not reopened yet',
    })
  }

  protected isTrouble(err: unknown): boolean {
    return isNoSpace(err)
  }

  protected override logContext(): Record<string, unknown> {
    return { dir: this.space.dir }
  }

  /** Reopens the database once the filesystem has room for LevelDB to replay its logs; else waits for the next tick. */
  protected async recover(): Promise<Record<string, unknown> | undefined> {
    const fs = await statfs(this.space.dir)
    const free = fs.bavail * fs.bsize
    const need = 2 * (await logBytes(this.space.dir)) + MIN_FREE_BYTES
    if (free < need) return undefined
    await this.space.reopen()
    return { freeBytes: free }
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
