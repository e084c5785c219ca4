import { watch, type FSWatcher } from 'node:fs'
import type { Input, InputContext } from '../types.js'
import { FileFollower } from './file-follower.js'
import { compileGlob, globFiles, type CompiledGlob } from './glob.js'
import type { InputPlugin } from '../types.js'
import { tailSchema, type TailOptions } from './options.js'

export type { TailOptions } from './options.js'

/** `logs:` entries (docs/inputs.md): files followed as they grow, one line one log record. */
export const tailInputPlugin: InputPlugin<typeof tailSchema> = {
  name: 'logs',
  description: 'Follows log files matching a path or glob, with checkpoints',
  section: 'list',
  options: tailSchema,
  create: (options) => new TailInput(options),
}

/**
 * Follows the files matching one `logs:` entry (docs/inputs.md). Files are polled every `pollInterval`; change
 * notifications from fs.watch only bring the next poll forward, as they are unreliable on some file systems.
 * Files present at start begin at `startAt` (or their checkpoint); files that appear later are read from 0.
 */
export class TailInput implements Input {
  readonly name: string
  private readonly glob: CompiledGlob
  private readonly followers = new Map<string, FileFollower>()
  private ctx?: InputContext
  private timer?: NodeJS.Timeout
  private watcher?: FSWatcher
  private running?: Promise<void>
  private stopped = false
  private failing = false

  constructor(private readonly options: TailOptions) {
    this.name = `tail:${options.path}`
    this.glob = compileGlob(options.path)
  }

  async start(ctx: InputContext): Promise<void> {
    this.ctx = ctx
    for (const path of await globFiles(this.glob)) await this.addFollower(path, this.options.startAt)
    try {
      this.watcher = watch(this.glob.dir, { persistent: false }, () => this.pollSoon())
      this.watcher.on('error', () => this.watcher?.close())
    } catch {
      // No directory yet, or no watch support: polling alone finds the files.
    }
    this.schedule(this.options.pollInterval)
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    this.watcher?.close()
    await this.running
    for (const follower of this.followers.values()) await follower.close()
  }

  /** Runs one poll now unless one is running; used by tests and change notifications. */
  pollSoon(): void {
    if (this.stopped || this.running) return
    clearTimeout(this.timer)
    this.schedule(0)
  }

  private schedule(delay: number): void {
    if (this.stopped) return
    this.timer = setTimeout(() => {
      this.running = this.pollAll().then(
        (more) => {
          this.running = undefined
          this.schedule(more ? 0 : this.options.pollInterval)
        },
        (err) => {
          // Keep tailing after an unexpected failure rather than stopping for good.
          this.running = undefined
          this.ctx?.log('error', 'log tailing poll failed', { path: this.options.path, error: String(err) })
          this.schedule(this.options.pollInterval)
        },
      )
    }, delay)
  }

  /** Polls every follower once; true when one of them has more waiting. Failures are logged once per streak. */
  private async pollAll(): Promise<boolean> {
    const ctx = this.ctx!
    let more = false
    try {
      for (const path of await globFiles(this.glob)) if (!this.followers.has(path)) await this.addFollower(path, 'beginning')
      for (const follower of this.followers.values()) {
        if (this.stopped) break
        more = (await follower.poll()) || more
      }
      if (this.failing) ctx.log('info', 'log tailing recovered', { path: this.options.path })
      this.failing = false
    } catch (err) {
      if (!this.failing) ctx.log('warning', 'log tailing failed: retrying', { path: this.options.path, error: (err as Error).message })
      this.failing = true
    }
    return more && !this.stopped
  }

  private async addFollower(path: string, startAt: 'end' | 'beginning'): Promise<void> {
    const follower = new FileFollower(path, this.options, this.ctx!)
    await follower.open(startAt)
    this.followers.set(path, follower)
  }
}
