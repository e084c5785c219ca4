import { open, readdir, stat, type FileHandle } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { Stats } from 'node:fs'
import type { LogRecord } from '../../../protocol/batch.js'
import { DecodeError } from '../../../protocol/errors.js'
import type { InputContext } from '../types.js'
import { parseLine } from './line-parser.js'
import { readLines, type ReadLine } from './read-lines.js'
import type { TailOptions } from './options.js'

/** Bytes read from one file per poll: bounds a batch and lets other files have their turn. */
const READ_BUDGET = 1024 * 1024

/** Which file a path pointed at (device and inode) and where its next unread line starts. Saved as a checkpoint. */
export interface FileCheckpoint {
  dev: number
  ino: number
  offset: number
}

export const checkpointKey = (path: string): string => `tail:${path}`

/**
 * Follows one path. The position is saved as a checkpoint in the same write as the lines read up to it, so after a
 * restart reading resumes exactly there. When the path starts naming another file (rotation), the old file, still
 * open, is read to its end first and the new one from 0; a file shorter than the position was truncated and is read
 * again from 0. Not safe for concurrent calls: the tail input polls its followers one at a time.
 */
export class FileFollower {
  private handle?: FileHandle
  private current?: FileCheckpoint
  /** The open file is no longer the one at `path` (found by identity after a restart): finish it, then switch. */
  private draining = false

  constructor(
    readonly path: string,
    private readonly options: TailOptions,
    private readonly ctx: InputContext,
  ) {}

  /** Picks up the saved position, or starts at `startAt` for a file never seen; the position is saved at once. */
  async open(startAt: 'end' | 'beginning'): Promise<void> {
    const saved = parseCheckpoint(await this.ctx.getCheckpoint(checkpointKey(this.path)))
    const st = await stat(this.path).catch(() => undefined)
    if (saved && st && sameFile(st, saved)) {
      await this.follow(this.path, { ...saved, offset: st.size < saved.offset ? 0 : saved.offset })
    } else if (saved) {
      // The path was rotated while the agent was down: finish the file we were reading, wherever it went.
      const old = await findByIdentity(dirname(this.path), saved)
      if (old) {
        await this.follow(old, saved)
        this.draining = true
        this.ctx.log('info', 'resuming a rotated log file', { path: this.path, rotatedTo: old })
      } else if (st) {
        this.ctx.log('warning', 'log file rotated away while the agent was stopped and not found: lines after the saved position are lost', { path: this.path })
        await this.follow(this.path, { dev: st.dev, ino: st.ino, offset: 0 })
      }
    } else if (st) {
      await this.follow(this.path, { dev: st.dev, ino: st.ino, offset: startAt === 'end' ? st.size : 0 })
    }
    if (this.current) await this.commit([], this.current)
  }

  /** Reads what is new and buffers it with its position. Resolves true when more is waiting (the budget ran out). */
  async poll(): Promise<boolean> {
    if (!this.handle || !this.current) {
      const st = await stat(this.path).catch(() => undefined)
      if (!st?.isFile()) return false
      // A file that appeared while running is read from its start; saving that at once keeps a restart from
      // applying `startAt: end` to it.
      await this.follow(this.path, { dev: st.dev, ino: st.ino, offset: 0 })
      await this.commit([], this.current!)
    }
    const here = await stat(this.path).catch(() => undefined)
    const rotated = this.draining || !here || !sameFile(here, this.current!)
    if (rotated && !here) {
      // Renamed away and nothing new at the path yet: keep reading the old file, the writer may still be using it.
      return this.readAndCommit(false)
    }
    if (rotated) {
      while (await this.readAndCommit(true)) {}
      this.draining = false
      await this.follow(this.path, { dev: here!.dev, ino: here!.ino, offset: 0 })
      this.ctx.log('info', 'log file rotated: following the new file', { path: this.path })
      await this.commit([], this.current!)
    }
    return this.readAndCommit(false)
  }

  async close(): Promise<void> {
    await this.handle?.close().catch(() => {})
    this.handle = undefined
  }

  private async follow(path: string, position: FileCheckpoint): Promise<void> {
    await this.close()
    this.handle = await open(path, 'r')
    this.current = position
  }

  private async readAndCommit(final: boolean): Promise<boolean> {
    const handle = this.handle!
    let offset = this.current!.offset
    const size = (await handle.stat()).size
    if (size < offset) {
      this.ctx.log('info', 'log file truncated: reading it again from the start', { path: this.path, size, offset })
      offset = 0
    }
    const read = await readLines(handle, offset, { maxLineBytes: this.options.maxLineBytes, budget: READ_BUDGET, final })
    const next = { ...this.current!, offset: read.offset }
    if (read.offset !== this.current!.offset) await this.commit(read.lines, next)
    return read.offset - offset >= READ_BUDGET
  }

  /** Buffers the lines and the new position in one atomic write; the position moves only once that succeeded. */
  private async commit(lines: ReadLine[], position: FileCheckpoint): Promise<void> {
    const now = this.ctx.clock()
    const records = lines.map((line) =>
      parseLine(line.text, this.options.parser, { component: this.options.component, file: this.path, now }),
    )
    const checkpoints = { [checkpointKey(this.path)]: JSON.stringify(position) }
    try {
      await this.ctx.accept(records.length ? { l: records } : {}, { checkpoints })
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err
      // A line whose fields the protocol refuses (say, JSON nested too deep) must not block the file forever.
      this.ctx.log('warning', 'log lines refused by validation: kept without their attributes', { path: this.path, error: err.message })
      await this.ctx.accept({ l: records.map(withoutAttrs) }, { checkpoints })
    }
    this.ctx.counters.logLinesRead += lines.length
    this.ctx.counters.logLinesTruncated += lines.filter((l) => l.truncated).length
    this.current = position
  }
}

function withoutAttrs(record: LogRecord): LogRecord {
  const { attrs: _attrs, ...rest } = record
  return rest
}

function sameFile(st: Stats, cp: FileCheckpoint): boolean {
  return st.dev === cp.dev && st.ino === cp.ino
}

function parseCheckpoint(raw: string | undefined): FileCheckpoint | undefined {
  if (!raw) return undefined
  try {
    const cp = JSON.parse(raw) as FileCheckpoint
    return Number.isSafeInteger(cp.dev) && Number.isSafeInteger(cp.ino) && Number.isSafeInteger(cp.offset) ? cp : undefined
  } catch {
    return undefined
  }
}

/** A file in `dir` that is the one the checkpoint names (a rotated log keeps its inode when renamed). */
async function findByIdentity(dir: string, cp: FileCheckpoint): Promise<string | undefined> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name)
    const st = await stat(path).catch(() => undefined)
    if (st?.isFile() && sameFile(st, cp)) return path
  }
  return undefined
}
