import { mkdir, readFile, readdir, rename, rm, stat, statfs } from 'node:fs/promises'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { Level } from 'level'

// Opening the buffer's LevelDB whatever state a crash or a bad disk left it in, and measuring what it uses on disk.

export type BufferDb = Level<string, Uint8Array>

/**
 * How the database was opened: as found; as found but LevelDB skipped damaged write-ahead log records on the way
 * (`salvaged`); after LevelDB's repair; or fresh after moving a hopeless one aside.
 */
export type OpenOutcome = { kind: 'clean' } | { kind: 'salvaged' } | { kind: 'repaired' } | { kind: 'reset'; movedTo: string }

// `level` re-exports classic-level's ClassicLevel on Node, but its typings leave out these two methods.
interface ClassicLevelExtras {
  compactRange(start: string, end: string): Promise<void>
}
/**
 * LevelDB's repair, run in a child process: on some damage (a table whose keys no longer parse) LevelDB 1.20's repair
 * fails an assertion and aborts the whole process, which in the agent would be a crash at every start. A repair
 * that dies is reported as a failed one (the caller moves the directory aside, its records counted).
 */
async function repairDb(dir: string): Promise<void> {
  // Loaded here, not at start: a repair is rare, and a small device should not carry the module (docs/agent.md).
  const { execFile } = await import('node:child_process')
  const binding = createRequire(import.meta.url).resolve('classic-level')
  const script = 'require(process.argv[1]).ClassicLevel.repair(process.argv[2]).then(() => process.exit(0), (e) => { console.error(String(e && e.message)); process.exit(2) })'
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['-e', script, binding, dir], { timeout: REPAIR_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (!err) resolve()
      else reject(new Error(`LevelDB repair of ${dir} failed (${err.signal ?? `exit ${String(err.code)}`}): ${stderr.trim().slice(-500)}`))
    })
  })
}
const REPAIR_TIMEOUT_MS = 120_000

export const compactRange = (db: BufferDb, start: string, end: string): Promise<void> =>
  (db as unknown as ClassicLevelExtras).compactRange(start, end)

/**
 * LevelDB table file size for a cap: a sixteenth of it, within what LevelDB accepts (it raises anything under 1 MiB
 * to 1 MiB) and its 2 MiB default. How far disk use may pass the cap for a moment is one such file.
 */
export function levelFileBytes(maxBytes: number): number {
  return Math.min(2 * 1024 * 1024, Math.max(1024 * 1024, Math.floor(maxBytes / 16)))
}

/**
 * True for errors that mean damaged files: LevelDB's corruption errors, and I/O errors on a table or the manifest (a
 * truncated .ldb reads as "Invalid argument", a lost MANIFEST as "No such file"), also when wrapped (open failures carry the cause). Not a full disk or missing
 * permissions: repairing would not help those, and moving the data aside would lose it.
 */
export function isCorruption(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    const message = String(e.message ?? '')
    if (e.code === 'LEVEL_CORRUPTION' || /corrupt/i.test(message)) return true
    if (/IO error/i.test(message) && /\.(ldb|sst)\b|MANIFEST-/.test(message) && !/no space|permission|too many open/i.test(message)) return true
    e = e.cause as typeof e
  }
  return false
}

/**
 * True for an out-of-space error, also when wrapped: LevelDB reports it as `IO error: <file>: No space left on device`
 * (code LEVEL_IO_ERROR), Node's own file calls as ENOSPC.
 */
export function isNoSpace(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.code === 'ENOSPC' || /no space left on device/i.test(String(e.message ?? ''))) return true
    e = e.cause as typeof e
  }
  return false
}

/** Bytes free on the filesystem holding `dir`, for an ordinary process (Infinity where it cannot be read). */
export async function freeBytes(dir: string): Promise<number> {
  return statfs(dir).then((s) => s.bavail * s.bsize, () => Infinity)
}

/** Sum of the sizes of the files in the database directory: the buffer's real disk use. */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    total += await stat(join(dir, name)).then((s) => (s.isFile() ? s.size : 0), () => 0)
  }
  return total
}

/**
 * Opens the database. On a corruption error (or when `repair` is asked for, after corruption showed up in use) it
 * runs LevelDB's repair, which keeps every readable record; if even that fails it moves the directory aside to
 * `<dir>.corrupt-<time>` and starts an empty one, so the agent always gets a working buffer.
 */
export async function openBufferDb(dir: string, maxBytes: number, now: () => number, repair = false): Promise<OpenedDb> {
  if (!repair) {
    const db = createDb(dir, maxBytes)
    try {
      await db.open()
      return { db, outcome: { kind: (await skippedDamage(dir)) ? 'salvaged' : 'clean' } }
    } catch (err) {
      await db.close().catch(() => {})
      if (!isCorruption(err)) throw err
    }
  }
  const db = createDb(dir, maxBytes)
  try {
    await repairDb(dir)
    // Repair files what it could not read under lost/; the records in them are counted lost, the files would only
    // take space the cap does not see.
    await rm(join(dir, 'lost'), { recursive: true, force: true })
    await db.open()
    return { db, outcome: { kind: 'repaired' } }
  } catch (err) {
    await db.close().catch(() => {})
    // A full disk is no damage: moving the data aside would lose it. The caller tries again once there is room.
    if (isNoSpace(err)) throw err
    // Beyond repair, whatever the error (a failed repair can also end in an IO error on its own temp files): the
    // agent must still start, so the directory goes aside, kept for inspection, and a new epoch begins.
    return resetBufferDb(dir, maxBytes, now)
  }
}

/** Moves the directory aside to `<dir>.corrupt-<time>` and opens an empty database in its place. */
export async function resetBufferDb(dir: string, maxBytes: number, now: () => number): Promise<OpenedDb> {
  const movedTo = `${dir}.corrupt-${now()}`
  await rename(dir, movedTo)
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const db = createDb(dir, maxBytes)
  await db.open()
  return { db, outcome: { kind: 'reset', movedTo } }
}

/**
 * The pending-batch counter of a database moved aside as beyond repair, if it can still be read: what was lost
 * with it when the agent had not yet loaded it (at start). Undefined when even that cannot be read.
 */
export async function readPendingCounter(dir: string): Promise<number | undefined> {
  const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
  try {
    await db.open({ createIfMissing: false })
    const value = await bufferParts(db).meta.get('pending')
    const n = Number(value)
    return Number.isFinite(n) && n >= 0 ? n : undefined
  } catch {
    return undefined
  } finally {
    await db.close().catch(() => {})
  }
}

/**
 * LevelDB opens past a damaged .log record, dropping it, and says so only in its info LOG (started afresh at each
 * open): then the persisted counters may count batches that are gone.
 */
async function skippedDamage(dir: string): Promise<boolean> {
  const info = await readFile(join(dir, 'LOG'), 'utf8').catch(() => '')
  return /corruption/i.test(info)
}

export interface OpenedDb {
  db: BufferDb
  outcome: OpenOutcome
}

function createDb(dir: string, maxBytes: number): BufferDb {
  const fileBytes = levelFileBytes(maxBytes)
  // LevelDB merges its four newest (level-0) files, each one write buffer big, into the next level, keeping inputs
  // until the output is written: a quarter-file write buffer keeps that transient within about two files.
  return new Level<string, Uint8Array>(dir, { valueEncoding: 'view', maxFileSize: fileBytes, writeBufferSize: Math.ceil(fileBytes / 4) })
}

/** The buffer's three key spaces: batches by seq, counters, and damaged records held aside. */
export function bufferParts(db: BufferDb) {
  return {
    db,
    batches: db.sublevel<string, Uint8Array>('b', { valueEncoding: 'view' }),
    meta: db.sublevel<string, string>('meta', { valueEncoding: 'utf8' }),
    quarantine: db.sublevel<string, Uint8Array>('q', { valueEncoding: 'view' }),
    /** Input positions (a tailed file's offset) committed with the batches that carry their data. */
    checkpoints: db.sublevel<string, string>('cp', { valueEncoding: 'utf8' }),
  }
}
export type BufferParts = ReturnType<typeof bufferParts>
